//! The variables a shell knows: scalars and indexed arrays, bounded, cheap to clone.

use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::text::Field;

/// Most variables a shell keeps; further ones are unknown.
const MAX_VARS: usize = 512;
/// Most bytes of variable names and values a shell keeps; further ones are unknown.
const MAX_VARS_BYTES: usize = 128 * 1024;
/// Most elements of one array; larger arrays are unknown.
pub(super) const MAX_ARRAY_ELEMENTS: usize = 1_024;

/// A variable's value.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Value {
    Scalar(Field),
    /// An indexed array, dense from index 0 (sparse arrays are unknown).
    Array(Vec<Field>),
}

impl Value {
    fn bytes(&self) -> usize {
        match self {
            Self::Scalar(field) => field.as_str().len(),
            Self::Array(items) => items.iter().map(|f| f.as_str().len() + 1).sum(),
        }
    }
}

/// Known variables (values may contain unknown parts); absent variables are unknown. Cheap
/// to clone (shared until changed) and bounded ([`MAX_VARS`], [`MAX_VARS_BYTES`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Vars {
    /// Hashed with FxHash: names are short, and a B-tree's string comparisons made each
    /// lookup cost several hundred instructions in the module.
    map: Rc<FxHashMap<String, Value>>,
    bytes: usize,
}

impl Vars {
    /// A variable's value: a scalar, or the first element of an array (as `$array` is).
    pub(crate) fn get(&self, name: &str) -> Option<&Field> {
        match self.map.get(name)? {
            Value::Scalar(field) => Some(field),
            Value::Array(items) => items.first(),
        }
    }

    /// A variable as an array: an array's elements, or a scalar as its only element (as
    /// `${scalar[@]}` is).
    pub(crate) fn get_array(&self, name: &str) -> Option<&[Field]> {
        match self.map.get(name)? {
            Value::Scalar(field) => Some(std::slice::from_ref(field)),
            Value::Array(items) => Some(items),
        }
    }

    /// The known scalar variables, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Field)> {
        self.map.iter().filter_map(|(name, value)| match value {
            Value::Scalar(field) => Some((name, field)),
            Value::Array(_) => None,
        })
    }

    /// Sets a variable; when the bounds are reached it becomes unknown instead. A variable whose
    /// name looks secret (`PGPASSWORD`, `API_TOKEN`…) is never given a value: it stays unknown,
    /// so its references are kept as written (`$PGPASSWORD`) and no message can quote its value,
    /// whatever the script does with it (substrings, case changes, copies, arrays).
    pub(crate) fn insert(&mut self, name: String, value: Field) {
        self.set(name, Value::Scalar(value));
    }

    /// Sets an array variable (see [`Vars::insert`]).
    pub(crate) fn insert_array(&mut self, name: String, items: Vec<Field>) {
        if items.len() > MAX_ARRAY_ELEMENTS {
            self.remove(&name);
            return;
        }
        self.set(name, Value::Array(items));
    }

    fn set(&mut self, name: String, value: Value) {
        if crate::text::looks_secret(&name) {
            self.remove(&name);
            return;
        }
        let old = self.map.get(&name).map_or(0, |v| name.len() + v.bytes());
        let new = name.len() + value.bytes();
        let bytes = self.bytes - old + new;
        if bytes > MAX_VARS_BYTES || (old == 0 && self.map.len() >= MAX_VARS) {
            self.remove(&name);
            return;
        }
        Rc::make_mut(&mut self.map).insert(name, value);
        self.bytes = bytes;
    }

    pub(crate) fn remove(&mut self, name: &str) {
        if let Some(old) = self.map.get(name) {
            self.bytes -= name.len() + old.bytes();
            Rc::make_mut(&mut self.map).remove(name);
        }
    }
}

impl FromIterator<(String, Field)> for Vars {
    fn from_iter<I: IntoIterator<Item = (String, Field)>>(iter: I) -> Self {
        let mut vars = Self::default();
        vars.extend(iter);
        vars
    }
}

impl Extend<(String, Field)> for Vars {
    fn extend<I: IntoIterator<Item = (String, Field)>>(&mut self, iter: I) {
        for (name, value) in iter {
            self.insert(name, value);
        }
    }
}
