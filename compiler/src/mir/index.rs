//! Vectors indexed by typed indices (as ruff's and rustc's `IndexVec`): a
//! `Local` cannot index the blocks, and no caller writes `.0 as usize`.

use std::marker::PhantomData;

pub trait Idx: Copy + Eq + 'static {
    fn from_usize(i: usize) -> Self;
    fn index(self) -> usize;
}

macro_rules! newtype_index {
    ($(#[$m:meta])* $name:ident, $prefix:literal) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub struct $name(u32);

        impl $name {
            pub const fn from_usize_const(i: usize) -> Self {
                $name(i as u32)
            }
        }

        impl Idx for $name {
            fn from_usize(i: usize) -> Self {
                $name(i as u32)
            }
            fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

newtype_index!(
    /// A local of a body (printed `r3`).
    Local,
    "r"
);
newtype_index!(
    /// A basic block of a body (printed `L2`).
    BlockId,
    "L"
);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexVec<I, T> {
    raw: Vec<T>,
    _index: PhantomData<fn(&I)>,
}

impl<I: Idx, T> IndexVec<I, T> {
    pub fn new() -> Self {
        IndexVec { raw: Vec::new(), _index: PhantomData }
    }

    pub fn from_elem(elem: T, len: usize) -> Self
    where
        T: Clone,
    {
        IndexVec { raw: vec![elem; len], _index: PhantomData }
    }

    /// The elements, to move each out once.
    pub fn into_options(self) -> IndexVec<I, Option<T>> {
        IndexVec { raw: self.raw.into_iter().map(Some).collect(), _index: PhantomData }
    }

    pub fn push(&mut self, t: T) -> I {
        self.raw.push(t);
        I::from_usize(self.raw.len() - 1)
    }

    pub fn len(&self) -> usize {
        self.raw.len()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    pub fn get(&self, i: I) -> Option<&T> {
        self.raw.get(i.index())
    }

    pub fn indices(&self) -> impl Iterator<Item = I> + 'static {
        (0..self.raw.len()).map(I::from_usize)
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.raw.iter_mut()
    }

    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.raw.iter()
    }

    pub fn iter_enumerated(&self) -> impl Iterator<Item = (I, &T)> {
        self.raw.iter().enumerate().map(|(i, t)| (I::from_usize(i), t))
    }
}

impl<I: Idx, T> Default for IndexVec<I, T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<I: Idx, T> std::ops::Index<I> for IndexVec<I, T> {
    type Output = T;
    fn index(&self, i: I) -> &T {
        &self.raw[i.index()]
    }
}

impl<I: Idx, T> std::ops::IndexMut<I> for IndexVec<I, T> {
    fn index_mut(&mut self, i: I) -> &mut T {
        &mut self.raw[i.index()]
    }
}
