"""A binary search tree and a linked list of extension-type nodes
(`@cython.cclass`): each node's children are typed fields (`left: Node`),
stored as object pointers (None by default) and read at fixed offsets, so
`node.left.key` is two loads. `build_and_walk` inserts pseudo-random keys,
walks the tree, then builds and walks a list: allocation-heavy.

    pyc-aot build examples/tree_cclass.py
"""
import cython


@cython.cclass
class Node:
    key: cython.long
    count: cython.int
    left: 'Node'
    right: 'Node'

    def __init__(self, key: cython.long):
        self.key = key
        self.count = 1
        self.left = None
        self.right = None


@cython.cclass
class Link:
    value: cython.double
    next: 'Link'

    def __init__(self, value: cython.double):
        self.value = value
        self.next = None


def insert(root: Node, key: cython.long):
    n: Node = root
    while True:
        if key < n.key:
            if n.left is None:
                n.left = Node(key)
                return
            n = n.left
        elif key > n.key:
            if n.right is None:
                n.right = Node(key)
                return
            n = n.right
        else:
            n.count += 1
            return


def depth(n: Node) -> cython.int:
    a: cython.int = 0
    b: cython.int = 0
    if n.left is not None:
        a = depth(n.left)
    if n.right is not None:
        b = depth(n.right)
    return 1 + (a if a > b else b)


def total(n: Node) -> cython.long:
    s: cython.long = n.key * n.count
    if n.left is not None:
        s += total(n.left)
    if n.right is not None:
        s += total(n.right)
    return s


def build_and_walk(n: cython.int, rounds: cython.int):
    s: cython.long = 0
    d: cython.int = 0
    acc: cython.double = 0.0
    seed: cython.long = 12345
    for _ in range(rounds):
        root: Node = Node(50000)
        for i in range(n):
            seed = (seed * 1103515245 + 12345) % 2147483648
            insert(root, seed % 100000)
        s += total(root)
        d = depth(root)
        head: Link = None
        for i in range(n):
            link: Link = Link(i * 0.5)
            link.next = head
            head = link
        p: Link = head
        while p is not None:
            acc += p.value
            p = p.next
    return s, d, acc
