"""A singly linked list of `malloc`ed C structs: built, reversed in place,
thinned (some nodes unlinked and freed), walked and summed, then freed.
Each node is a `Node` struct in C memory; `p.value` is C's `p->value`, and
the list is handed between `@cython.cfunc`s as a `Node*`.

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


@cython.cfunc
def push(head: cython.pointer(Node), value: cython.long) -> cython.pointer(Node):
    """A new node holding `value` in front of `head`."""
    p: cython.pointer(Node) = cython.cast(cython.pointer(Node), malloc(cython.sizeof(Node)))
    if not p:
        raise MemoryError()
    p.value = value
    p.next = head
    return p


@cython.cfunc
def following(p: cython.pointer(Node)) -> cython.pointer(Node):
    return cython.cast(cython.pointer(Node), p.next)


@cython.cfunc
def reverse(head: cython.pointer(Node)) -> cython.pointer(Node):
    prev: cython.pointer(Node) = cython.NULL
    nxt: cython.pointer(Node)
    while head:
        nxt = following(head)
        head.next = prev
        prev = head
        head = nxt
    return prev


@cython.cfunc
def drop_multiples(head: cython.pointer(Node), k: cython.long) -> cython.pointer(Node):
    """Unlinks and frees the nodes whose value is a multiple of `k` (the
    head too); the new head."""
    nxt: cython.pointer(Node)
    while head and head.value % k == 0:
        nxt = following(head)
        free(head)
        head = nxt
    p: cython.pointer(Node) = head
    while p:
        nxt = following(p)
        if nxt and nxt[0].value % k == 0:
            p[0].next = nxt.next
            free(nxt)
        else:
            p = nxt
    return head


@cython.cfunc
def free_list(head: cython.pointer(Node)) -> cython.long:
    """Frees every node; how many there were."""
    count: cython.long = 0
    nxt: cython.pointer(Node)
    while head:
        nxt = following(head)
        free(head)
        head = nxt
        count += 1
    return count


def checksum(n: cython.int, drop_every: cython.int) -> cython.long:
    """Pushes `n` nodes (values `i * i % 1009`), reverses the list, unlinks
    every node whose value is a multiple of `drop_every`, adds one to each
    remaining value, and returns the sum of each value times its position
    plus the count of nodes left times 1_000_000."""
    if drop_every < 1:
        raise ValueError("drop_every must be at least 1")
    head: cython.pointer(Node) = cython.NULL
    i: cython.int
    for i in range(n):
        head = push(head, cython.cast(cython.long, i) * i % 1009)
    head = drop_multiples(reverse(head), drop_every)
    total: cython.long = 0
    position: cython.long = 0
    p: cython.pointer(Node) = head
    while p != cython.NULL:
        p.value += 1
        position += 1
        total += p.value * position
        p = following(p)
    return total + free_list(head) * 1000000
