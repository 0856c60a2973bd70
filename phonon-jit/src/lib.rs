//! Code generation for Phonon: lowers each dataflow stage to Cranelift block
//! functions. Empty until the signal graph exists; it will never touch threads
//! or audio devices.
