//! One integration-test binary; modules by topic share the helpers in `util`.

mod util;

mod formats_json;
mod formats_xml;
mod moderate;
mod report;
mod cluster;
mod seeds;
mod text_layouts;
