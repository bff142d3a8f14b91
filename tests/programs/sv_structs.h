/* Structs and unions passed by value (tests/programs/struct_by_value.py). */
#ifndef SV_STRUCTS_H
#define SV_STRUCTS_H
typedef struct { double x, y; } vec2;
typedef struct { int a, b; } ipair;
typedef struct { int n; double w; } mixed;
typedef struct { double w; int n; } mixed2;
typedef struct { float u, v; } fpair;
typedef struct { float u, v, w; } ftri;
typedef struct { double x, y, z; } vec3;
typedef struct { long long a, b, c; } big;
typedef struct { long long a, b; } llpair;
typedef struct { const double *data; long n; } span;
typedef struct { vec2 pos; vec2 vel; int id; } body;
typedef struct { signed char c; short s; } small;
typedef union { double d; long long i; } num;
typedef union { int i; float f; } word;
#endif
