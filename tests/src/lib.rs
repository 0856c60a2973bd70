//! Shared helpers for Phonon's end-to-end tests; the tests themselves live in
//! `tests/tests/`.
