//! End-to-end tests of the `phonon` binary, one module per area.

mod bench;
mod check;
mod corpus;
mod docs;
mod render;
mod run;
mod voices;
