#ifndef CFIB_H
#define CFIB_H

double cfib(int n);

#endif
