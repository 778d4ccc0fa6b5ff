import NIOCore
import NIOTLS

/// Collects what a connection receives until `isComplete` says so, the peer closes, or `limit` bytes
/// arrived; also reports the TLS handshake's end when it sits behind a TLS handler.
final class ByteCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var received: [UInt8] = []
    private let limit: Int
    private let isComplete: @Sendable ([UInt8]) -> Bool
    private let done: EventLoopPromise<[UInt8]>
    private let handshake: EventLoopPromise<Void>?
    private var finished = false

    init(
        limit: Int, done: EventLoopPromise<[UInt8]>, handshake: EventLoopPromise<Void>? = nil,
        isComplete: @escaping @Sendable ([UInt8]) -> Bool
    ) {
        self.limit = limit
        self.done = done
        self.handshake = handshake
        self.isComplete = isComplete
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        var buffer = unwrapInboundIn(data)
        let room = limit - received.count
        if let bytes = buffer.readBytes(length: min(room, buffer.readableBytes)) { received += bytes }
        if received.count >= limit || isComplete(received) { finish(context) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event { handshake?.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshake?.fail(ChannelError.eof)
        finish(context)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        handshake?.fail(error)
        if !finished {
            finished = true
            done.fail(error)
        }
        context.close(promise: nil)
    }

    private func finish(_ context: ChannelHandlerContext) {
        guard !finished else { return }
        finished = true
        done.succeed(received)
        context.close(promise: nil)
    }
}
