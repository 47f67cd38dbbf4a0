//! SVG drawings as vector Form XObjects.
//!
//! The drawing was read and cleaned by `quire-svg` (usvg): what is left is a tree of groups
//! (transform, opacity, clip path) and paths (fill, stroke, solid colour or gradient); text
//! is already outlines. Each becomes PDF path operators in a Form XObject whose matrix maps
//! the drawing onto the unit square, so it is placed exactly as a raster image is (`cm`
//! with the picture's rectangle, then `Do`). In a black-and-white interior every colour is
//! converted to its luminance in DeviceGray (Rec. 709 weights, as for raster images).
//!
//! Not drawn (the front end warns when a drawing uses them): filter effects, masks,
//! patterns (painted mid-grey) and raster pictures inside the drawing.

use pdf_writer::types::{FunctionShadingType, LineCapStyle, LineJoinStyle};
use pdf_writer::writers::ExtGraphicsState;
use pdf_writer::{Chunk, Content, Filter, Finish, Name, Rect, Ref};
use quire_svg::usvg::tiny_skia_path::{PathSegment, Transform};
use quire_svg::usvg::{self, Node, Paint};

/// Writes `tree` as a Form XObject drawn in the unit square; returns its reference.
pub(crate) fn form(
    tree: &usvg::Tree,
    chunk: &mut Chunk,
    next: &mut dyn FnMut() -> Ref,
    gray: bool,
    opaque: bool,
) -> Ref {
    let size = tree.size();
    let (w, h) = (size.width(), size.height());
    let mut writer = FormWriter {
        chunk,
        next,
        gray,
        opaque,
        group_alpha: 1.0,
        wash: 1.0,
        resources: Resources::default(),
    };
    // SVG user space has y growing downwards: flip it and scale to the unit square.
    let matrix = [1.0 / w, 0.0, 0.0, -1.0 / h, 0.0, 1.0];
    writer.group_form(tree.root(), Rect::new(0.0, 0.0, w, h), Some(matrix), false)
}

/// What a form's content refers to by name.
#[derive(Default)]
struct Resources {
    /// Fill and stroke opacity of each graphics state `/GsN`.
    alphas: Vec<(f32, f32)>,
    /// Nested transparency groups `/FmN`.
    forms: Vec<Ref>,
    /// Gradients `/ShN`.
    shadings: Vec<Ref>,
}

struct FormWriter<'a> {
    chunk: &'a mut Chunk,
    next: &'a mut dyn FnMut() -> Ref,
    gray: bool,
    /// No transparency (PDF/X-1a): opacity is flattened against the white paper, each
    /// colour mixed with white by its alpha, instead of drawn with a graphics state or a
    /// transparency group. Exact over the paper, approximate where shapes overlap.
    opaque: bool,
    /// When opaque: the product of the opacities of the groups being drawn.
    group_alpha: f32,
    /// When opaque: the alpha the colours being set are mixed with white by.
    wash: f32,
    /// The resources of the form being written.
    resources: Resources,
}

impl FormWriter<'_> {
    /// One Form XObject holding `group`'s children.
    fn group_form(
        &mut self,
        group: &usvg::Group,
        bbox: Rect,
        matrix: Option<[f32; 6]>,
        transparency: bool,
    ) -> Ref {
        let outer = std::mem::take(&mut self.resources);
        let mut content = Content::new();
        for child in group.children() {
            self.node(&mut content, child);
        }
        let resources = std::mem::replace(&mut self.resources, outer);
        let data = crate::deflate(&content.finish().into_vec(), 6);
        let id = (self.next)();
        let mut form = self.chunk.form_xobject(id, &data);
        form.bbox(bbox);
        form.filter(Filter::FlateDecode);
        if let Some(m) = matrix {
            form.matrix(m);
        }
        if transparency {
            form.group().transparency().isolated(false).knockout(false);
        }
        let mut res = form.resources();
        if !resources.alphas.is_empty() {
            let mut states = res.ext_g_states();
            for (i, (fill, stroke)) in resources.alphas.iter().enumerate() {
                states
                    .insert(Name(format!("Gs{i}").as_bytes()))
                    .start::<ExtGraphicsState>()
                    .non_stroking_alpha(*fill)
                    .stroking_alpha(*stroke);
            }
        }
        if !resources.forms.is_empty() {
            let mut xobjects = res.x_objects();
            for (i, r) in resources.forms.iter().enumerate() {
                xobjects.pair(Name(format!("Fm{i}").as_bytes()), *r);
            }
        }
        if !resources.shadings.is_empty() {
            let mut shadings = res.shadings();
            for (i, r) in resources.shadings.iter().enumerate() {
                shadings.pair(Name(format!("Sh{i}").as_bytes()), *r);
            }
        }
        res.finish();
        form.finish();
        id
    }

    fn alpha(&mut self, content: &mut Content, fill: f32, stroke: f32) {
        if fill >= 1.0 && stroke >= 1.0 {
            return;
        }
        let i = self.resources.alphas.len();
        self.resources.alphas.push((fill, stroke));
        content.set_parameters(Name(format!("Gs{i}").as_bytes()));
    }

    fn node(&mut self, content: &mut Content, node: &Node) {
        match node {
            Node::Group(group) => {
                content.save_state();
                concat(content, group.transform());
                if let Some(clip) = group.clip_path() {
                    clip_path(content, clip);
                }
                let opacity = group.opacity().get();
                if opacity < 1.0 && self.opaque {
                    let outer = self.group_alpha;
                    self.group_alpha *= opacity;
                    for child in group.children() {
                        self.node(content, child);
                    }
                    self.group_alpha = outer;
                } else if opacity < 1.0 {
                    // Group opacity: a transparency group drawn with a constant alpha.
                    let b = group.layer_bounding_box();
                    let bbox = Rect::new(b.left(), b.top(), b.right(), b.bottom());
                    let form = self.group_form(group, bbox, None, true);
                    self.alpha(content, opacity, opacity);
                    let i = self.resources.forms.len();
                    self.resources.forms.push(form);
                    content.x_object(Name(format!("Fm{i}").as_bytes()));
                } else {
                    for child in group.children() {
                        self.node(content, child);
                    }
                }
                content.restore_state();
            }
            Node::Path(path) if path.is_visible() => self.path(content, path),
            Node::Path(_) | Node::Image(_) => {}
            Node::Text(text) => {
                for child in text.flattened().children() {
                    self.node(content, child);
                }
            }
        }
    }

    /// The colour operands of a paint: RGB, or its luminance in grey.
    fn components(&self, paint: &Paint) -> Vec<f32> {
        let mean = |stops: &[usvg::Stop]| {
            let n = stops.len().max(1) as f32;
            stops.iter().fold([0.0; 3], |a, s| {
                let c = rgb(s.color());
                [a[0] + c[0] / n, a[1] + c[1] / n, a[2] + c[2] / n]
            })
        };
        let colour = match paint {
            Paint::Color(c) => rgb(*c),
            Paint::LinearGradient(g) => mean(g.stops()),
            Paint::RadialGradient(g) => mean(g.stops()),
            Paint::Pattern(_) => [0.5; 3],
        };
        self.operands(colour)
    }

    fn operands(&self, colour: [f32; 3]) -> Vec<f32> {
        operands(self.gray, washed(colour, self.wash))
    }

    fn set_colour(&self, content: &mut Content, paint: &Paint, stroke: bool) {
        let c = self.components(paint);
        match (c.as_slice(), stroke) {
            ([v], false) => content.set_fill_gray(*v),
            ([v], true) => content.set_stroke_gray(*v),
            ([r, g, b], false) => content.set_fill_rgb(*r, *g, *b),
            ([r, g, b], true) => content.set_stroke_rgb(*r, *g, *b),
            _ => content,
        };
    }

    fn path(&mut self, content: &mut Content, path: &usvg::Path) {
        let fill = path.fill();
        let stroke = path.stroke();
        if fill.is_none() && stroke.is_none() {
            return;
        }
        content.save_state();
        let fill_alpha = fill.map_or(1.0, |f| f.opacity().get());
        let stroke_alpha = stroke.map_or(1.0, |s| s.opacity().get());
        if self.opaque {
            self.wash = fill_alpha * self.group_alpha;
        } else {
            self.alpha(content, fill_alpha, stroke_alpha);
        }
        if let Some(fill) = fill {
            self.set_colour(content, fill.paint(), false);
        }
        if let Some(stroke) = stroke {
            if self.opaque {
                self.wash = stroke_alpha * self.group_alpha;
            }
            self.set_colour(content, stroke.paint(), true);
            stroke_style(content, stroke);
        }
        // Gradient stops are mixed by the fill's alpha.
        if self.opaque {
            self.wash = fill_alpha * self.group_alpha;
        }
        let gradient = fill.and_then(|f| match f.paint() {
            Paint::LinearGradient(g) => Some((f, g.transform())),
            Paint::RadialGradient(g) => Some((f, g.transform())),
            _ => None,
        });
        if let Some((fill, transform)) = gradient {
            // A gradient fills the path as a clip; the stroke goes over it.
            let shading = self.shading(fill.paint());
            content.save_state();
            segments(content, path.data(), None);
            if fill.rule() == usvg::FillRule::EvenOdd {
                content.clip_even_odd();
            } else {
                content.clip_nonzero();
            }
            content.end_path();
            concat(content, transform);
            content.shading(Name(format!("Sh{shading}").as_bytes()));
            content.restore_state();
            if stroke.is_some() {
                segments(content, path.data(), None);
                content.stroke();
            }
            content.restore_state();
            return;
        }
        segments(content, path.data(), None);
        let even_odd = fill.is_some_and(|f| f.rule() == usvg::FillRule::EvenOdd);
        match (fill.is_some(), stroke.is_some(), even_odd) {
            (true, true, false) => content.fill_nonzero_and_stroke(),
            (true, true, true) => content.fill_even_odd_and_stroke(),
            (true, false, false) => content.fill_nonzero(),
            (true, false, true) => content.fill_even_odd(),
            (false, _, _) => content.stroke(),
        };
        content.restore_state();
    }

    /// An axial or radial shading for a gradient, its stops joined by a stitching function
    /// (pad spread; stop opacity is not drawn). Returns its index among the form's shadings.
    fn shading(&mut self, paint: &Paint) -> usize {
        let (stops, kind, coords): (&[usvg::Stop], _, Vec<f32>) = match paint {
            Paint::LinearGradient(g) => (
                g.stops(),
                FunctionShadingType::Axial,
                vec![g.x1(), g.y1(), g.x2(), g.y2()],
            ),
            Paint::RadialGradient(g) => (
                g.stops(),
                FunctionShadingType::Radial,
                vec![g.fx(), g.fy(), g.fr().get(), g.cx(), g.cy(), g.r().get()],
            ),
            _ => (&[], FunctionShadingType::Axial, vec![0.0; 4]),
        };
        let (gray, wash) = (self.gray, self.wash);
        let colour = |s: &usvg::Stop| operands(gray, washed(rgb(s.color()), wash));
        let mut parts = Vec::new();
        for pair in stops.windows(2) {
            let id = (self.next)();
            self.chunk
                .exponential_function(id)
                .domain([0.0, 1.0])
                .c0(colour(&pair[0]))
                .c1(colour(&pair[1]))
                .n(1.0);
            parts.push(id);
        }
        let function = (self.next)();
        if parts.is_empty() {
            let c = stops
                .first()
                .map_or_else(|| operands(gray, [0.0; 3]), colour);
            self.chunk
                .exponential_function(function)
                .domain([0.0, 1.0])
                .c0(c.clone())
                .c1(c)
                .n(1.0);
        } else {
            let bounds: Vec<f32> = stops[1..stops.len() - 1]
                .iter()
                .map(|s| s.offset().get())
                .collect();
            self.chunk
                .stitching_function(function)
                .domain([0.0, 1.0])
                .functions(parts.iter().copied())
                .bounds(bounds)
                .encode(parts.iter().flat_map(|_| [0.0, 1.0]));
        }
        let id = (self.next)();
        let mut shading = self.chunk.function_shading(id);
        shading.shading_type(kind);
        if self.gray {
            shading.color_space().device_gray();
        } else {
            shading.color_space().device_rgb();
        }
        shading
            .function(function)
            .coords(coords)
            .extend([true, true]);
        shading.finish();
        self.resources.shadings.push(id);
        self.resources.shadings.len() - 1
    }
}

/// Colour operands: RGB, or its luminance (Rec. 709) in grey.
fn operands(gray: bool, [r, g, b]: [f32; 3]) -> Vec<f32> {
    if gray {
        vec![0.2126 * r + 0.7152 * g + 0.0722 * b]
    } else {
        vec![r, g, b]
    }
}

/// A colour seen through `alpha` over white paper.
fn washed([r, g, b]: [f32; 3], alpha: f32) -> [f32; 3] {
    let a = alpha.clamp(0.0, 1.0);
    [r * a + 1.0 - a, g * a + 1.0 - a, b * a + 1.0 - a]
}

fn rgb(c: usvg::Color) -> [f32; 3] {
    [
        f32::from(c.red) / 255.0,
        f32::from(c.green) / 255.0,
        f32::from(c.blue) / 255.0,
    ]
}

fn concat(content: &mut Content, t: Transform) {
    if !t.is_identity() {
        content.transform([t.sx, t.ky, t.kx, t.sy, t.tx, t.ty]);
    }
}

fn stroke_style(content: &mut Content, stroke: &usvg::Stroke) {
    content.set_line_width(stroke.width().get());
    content.set_miter_limit(stroke.miterlimit().get());
    content.set_line_cap(match stroke.linecap() {
        usvg::LineCap::Butt => LineCapStyle::ButtCap,
        usvg::LineCap::Round => LineCapStyle::RoundCap,
        usvg::LineCap::Square => LineCapStyle::ProjectingSquareCap,
    });
    content.set_line_join(match stroke.linejoin() {
        usvg::LineJoin::Miter | usvg::LineJoin::MiterClip => LineJoinStyle::MiterJoin,
        usvg::LineJoin::Round => LineJoinStyle::RoundJoin,
        usvg::LineJoin::Bevel => LineJoinStyle::BevelJoin,
    });
    if let Some(dashes) = stroke.dasharray() {
        content.set_dash_pattern(dashes.iter().copied(), stroke.dashoffset());
    }
}

/// Clips to a clip path: the union of its shapes (text and nested groups included), each
/// in the clip path's coordinates.
fn clip_path(content: &mut Content, clip: &usvg::ClipPath) {
    let mut any = false;
    clip_shapes(content, clip.root(), clip.transform(), &mut any);
    if !any {
        // An empty clip path hides everything.
        content.rect(0.0, 0.0, 0.0, 0.0);
    }
    content.clip_nonzero();
    content.end_path();
}

fn clip_shapes(content: &mut Content, group: &usvg::Group, outer: Transform, any: &mut bool) {
    for node in group.children() {
        match node {
            Node::Path(p) => {
                segments(content, p.data(), Some(outer));
                *any = true;
            }
            Node::Group(g) => clip_shapes(content, g, outer.pre_concat(g.transform()), any),
            Node::Text(t) => clip_shapes(content, t.flattened(), outer, any),
            Node::Image(_) => {}
        }
    }
}

/// Appends a path's segments, mapped by `transform` if given (quadratic curves become
/// cubic ones).
fn segments(
    content: &mut Content,
    data: &usvg::tiny_skia_path::Path,
    transform: Option<Transform>,
) {
    let map = |p: usvg::tiny_skia_path::Point| match transform {
        Some(t) => {
            let mut q = [p];
            t.map_points(&mut q);
            (q[0].x, q[0].y)
        }
        None => (p.x, p.y),
    };
    let mut last = (0.0f32, 0.0f32);
    for segment in data.segments() {
        match segment {
            PathSegment::MoveTo(p) => {
                last = map(p);
                content.move_to(last.0, last.1);
            }
            PathSegment::LineTo(p) => {
                last = map(p);
                content.line_to(last.0, last.1);
            }
            PathSegment::QuadTo(q, p) => {
                let (q, p) = (map(q), map(p));
                let c1 = (
                    last.0 + 2.0 / 3.0 * (q.0 - last.0),
                    last.1 + 2.0 / 3.0 * (q.1 - last.1),
                );
                let c2 = (p.0 + 2.0 / 3.0 * (q.0 - p.0), p.1 + 2.0 / 3.0 * (q.1 - p.1));
                content.cubic_to(c1.0, c1.1, c2.0, c2.1, p.0, p.1);
                last = p;
            }
            PathSegment::CubicTo(a, b, p) => {
                let (a, b, p) = (map(a), map(b), map(p));
                content.cubic_to(a.0, a.1, b.0, b.1, p.0, p.1);
                last = p;
            }
            PathSegment::Close => {
                content.close_path();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(svg: &str) -> quire_svg::Svg {
        quire_svg::Svg::parse(svg.as_bytes(), &quire_svg::SvgFonts::none()).unwrap()
    }

    fn form_bytes(svg: &str, gray: bool) -> Vec<u8> {
        form_bytes_as(svg, gray, false)
    }

    fn form_bytes_as(svg: &str, gray: bool, opaque: bool) -> Vec<u8> {
        let svg = tree(svg);
        let mut chunk = Chunk::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            Ref::new(n)
        };
        form(svg.tree(), &mut chunk, &mut next, gray, opaque);
        chunk.as_bytes().to_vec()
    }

    /// The decompressed content of every stream in the chunk, joined.
    fn contents(bytes: &[u8]) -> String {
        let text = String::from_utf8_lossy(bytes).into_owned();
        let mut out = String::new();
        let mut rest = bytes;
        while let Some(start) = find(rest, b"stream\n") {
            let body = &rest[start + 7..];
            let end = find(body, b"\nendstream").unwrap_or(body.len());
            if let Ok(data) = miniz_oxide::inflate::decompress_to_vec_zlib(&body[..end]) {
                out.push_str(&String::from_utf8_lossy(&data));
            }
            rest = &body[(end + 10).min(body.len())..];
        }
        out + &text
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn shapes_become_paths_in_the_unit_square() {
        let bytes = form_bytes(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100">
            <rect x="10" y="10" width="80" height="40" fill="#ff0000" stroke="#000" stroke-width="2"/>
            </svg>"##,
            false,
        );
        let all = contents(&bytes);
        assert!(all.contains("/Matrix [0.005 0 0 -0.01 0 1]"), "{all}");
        assert!(all.contains("/BBox [0 0 200 100]"), "{all}");
        assert!(all.contains("1 0 0 rg"), "red fill: {all}");
        assert!(all.contains("10 10 m"), "{all}");
        assert!(
            all.contains("\nB\n") || all.contains(" B\n"),
            "fill and stroke: {all}"
        );
    }

    #[test]
    fn grey_interior_draws_luminance() {
        let all = contents(&form_bytes(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
            <rect width="10" height="10" fill="#00ff00"/></svg>"##,
            true,
        ));
        assert!(all.contains("0.7152 g"), "{all}");
        assert!(!all.contains(" rg"), "{all}");
    }

    #[test]
    fn gradients_and_opacity_have_resources() {
        let all = contents(&form_bytes(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
            <linearGradient id="g"><stop offset="0" stop-color="#000"/><stop offset="0.5" stop-color="#888"/><stop offset="1" stop-color="#fff"/></linearGradient>
            <rect width="10" height="10" fill="url(#g)"/>
            <g opacity="0.5"><circle cx="5" cy="5" r="3"/><circle cx="6" cy="5" r="3"/></g>
            </svg>"##,
            true,
        ));
        assert!(all.contains("/ShadingType 2"), "{all}");
        assert!(all.contains("/FunctionType 3"), "{all}");
        assert!(all.contains("/Sh0 sh"), "{all}");
        assert!(all.contains("/ca 0.5"), "{all}");
        assert!(all.contains("/Fm0 Do"), "{all}");
    }

    #[test]
    fn opaque_forms_flatten_opacity_against_the_paper() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">
            <linearGradient id="g"><stop offset="0" stop-color="#000"/><stop offset="1" stop-color="#000"/></linearGradient>
            <rect width="10" height="10" fill="url(#g)" fill-opacity="0.5"/>
            <g opacity="0.5"><circle cx="5" cy="5" r="3" fill="#000" fill-opacity="0.5"/></g>
            <path d="M0 0 L10 10" stroke="#000" stroke-opacity="0.2"/>
            </svg>"##;
        let bytes = form_bytes_as(svg, true, true);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let all = contents(&bytes);
        for forbidden in ["/ca ", "/CA ", "/Group", "/SMask", "/Fm0"] {
            assert!(
                !text.contains(forbidden) && !all.contains(forbidden),
                "{forbidden}: {all}"
            );
        }
        // Black at 0.5 x 0.5 over white is 0.75 grey; the stroke at 0.2 is 0.8 grey; the
        // gradient's black stops at 0.5 are 0.5 grey.
        assert!(all.contains("0.75 g"), "{all}");
        assert!(all.contains("0.8 G"), "{all}");
        assert!(text.contains("/C0 [0.5]"), "{text}");
        // Without the flag, the same drawing keeps its transparency.
        let all = contents(&form_bytes(svg, true));
        assert!(all.contains("/ca 0.5"), "{all}");
    }
}
