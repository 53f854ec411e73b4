//! One integration-test binary; modules by topic share the helpers in `util`.

mod util;

mod moderate;
mod report;
mod seeds;
mod text_layouts;
