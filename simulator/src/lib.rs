//! The WWE simulator server.
