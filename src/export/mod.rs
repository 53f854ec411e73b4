//! Writers that turn a corpus into files other tools read; one module per format.

pub mod convokit;
