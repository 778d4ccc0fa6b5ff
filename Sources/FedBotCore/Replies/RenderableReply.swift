/// A reply built from data (`ListReply`, `ShowReply`, …): renders to the plain and HTML bodies of one
/// Matrix message. Every reply type is named `…Reply` and renders with the same context.
public protocol RenderableReply: Sendable {
    func render(_ context: RenderContext) -> Reply
}
