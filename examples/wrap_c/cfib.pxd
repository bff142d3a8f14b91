cdef extern from "cfib.h":
    double cfib(int n)
