//! One integration-test binary; modules by topic share the helpers in `util`.

mod util;

mod dynamics;
mod seeds;
