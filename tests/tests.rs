//! One integration-test binary; modules by topic share the helpers in `util`.

mod util;

mod bad_input;
mod cluster;
mod dynamics;
mod formats_json;
mod formats_xml;
mod moderate;
mod report;
mod seeds;
mod text_layouts;
