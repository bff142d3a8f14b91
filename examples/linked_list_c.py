"""A singly linked list of `malloc`ed C structs: built, reversed in place,
thinned (some nodes unlinked and freed), walked and summed, then freed.
Each node is a `Node` struct in C memory; `p.value` is C's `p->value`.

Cython's pure mode cannot name a struct inside its own definition
(cython/cython#5155), so `next` is a `void*` cast back to a `Node*` where it
is followed, as Cython's users do. Compiled, every step is a load or store
at the field's offset; run as Python (with the `cython` shim), the same file
gives the same numbers.

    pyc-aot build linked_list_c.py
    python -c "import linked_list_c; print(linked_list_c.checksum(1000, 3))"
"""
import cython
from cython.cimports.libc.stdlib import malloc, free

Node = cython.struct(value=cython.long, next=cython.p_void)


def checksum(n: cython.int, drop_every: cython.int) -> cython.long:
    """Pushes `n` nodes (values `i * i % 1009`), reverses the list, unlinks
    every node whose value is a multiple of `drop_every`, adds one to each
    remaining value, and returns the sum of each value
    times its position plus the count of nodes left times 1_000_000."""
    if drop_every < 1:
        raise ValueError("drop_every must be at least 1")
    head: cython.pointer(Node) = cython.NULL
    p: cython.pointer(Node)
    i: cython.int
    for i in range(n):
        p = cython.cast(cython.pointer(Node), malloc(cython.sizeof(Node)))
        if not p:
            raise MemoryError()
        p.value = cython.cast(cython.long, i) * i % 1009
        p.next = head
        head = p
    # Reverse in place.
    prev: cython.pointer(Node) = cython.NULL
    nxt: cython.pointer(Node)
    while head:
        nxt = cython.cast(cython.pointer(Node), head.next)
        head.next = prev
        prev = head
        head = nxt
    head = prev
    # Unlink and free the multiples of drop_every (the head too).
    while head and head.value % drop_every == 0:
        nxt = cython.cast(cython.pointer(Node), head.next)
        free(head)
        head = nxt
    p = head
    while p:
        nxt = cython.cast(cython.pointer(Node), p.next)
        if nxt and nxt[0].value % drop_every == 0:
            p[0].next = nxt.next
            free(nxt)
        else:
            p = nxt
    # Walk: add one to each value, sum value * position.
    total: cython.long = 0
    count: cython.long = 0
    p = head
    while p != cython.NULL:
        p.value += 1
        count += 1
        total += p.value * count
        p = cython.cast(cython.pointer(Node), p.next)
    # Free what is left.
    while head:
        nxt = cython.cast(cython.pointer(Node), head.next)
        free(head)
        head = nxt
    return total + count * 1000000
