import Glibc
import Logging
import NIOCore

/// One milter connection on its channel's event loop: decodes the MTA's frames, steps the
/// ``MilterSession`` and writes its replies, all on the loop that read them. Only the end of a
/// message, which may wait on DNS, runs in a task, on the session's executor (the same loop);
/// meanwhile the MTA gets SMFIR_PROGRESS every progress interval, and whatever it sends waits
/// in the parser until the verdict is written.
///
/// Handing every frame to a task and every reply back to the loop cost two thread switches per
/// milter event, a dozen per message, which took more CPU than checking the message.
final class MilterChannelHandler<Filter: MilterMessageFilter>: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var session: MilterSession<Filter>
    private var parser: MilterFrameParser
    private let progressInterval: TimeAmount
    private let peer: String
    private let logger: Logger
    /// Set while the end of a message is being decided: the commands after it wait.
    private var progress: RepeatedTask?
    private var finishing = false
    /// Set when this side closes (quit, protocol error): the close is then logged already or normal.
    private var closing = false

    init(session: MilterSession<Filter>, parser: MilterFrameParser, progressInterval: Duration, peer: String,
         logger: Logger) {
        self.session = session
        self.parser = parser
        self.progressInterval = .nanoseconds(Int64(progressInterval.components.seconds) * 1_000_000_000
            + progressInterval.components.attoseconds / 1_000_000_000)
        self.peer = peer
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data).readableBytesView)
        if !finishing { answer(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        progress?.cancel()
    }

    /// Postfix closes the connection in the middle of a message when its SMTP client goes away
    /// or a timeout ends the session; that is routine, so one line at info level says so.
    func channelInactive(context: ChannelHandlerContext) {
        if let message = session.connectionClosed(), !closing {
            logger.info("""
                \(message.queueID ?? "NOQUEUE"): milter connection from \(peer) closed by the MTA \
                in the middle of a message (after its \(message.step) step): the message is not checked
                """)
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset is the MTA going away, like a close: channelInactive says so, once.
        if let error = error as? IOError, error.errnoCode == ECONNRESET || error.errnoCode == EPIPE {
            context.close(promise: nil)
            return
        }
        logger.error("milter connection from \(peer) closed: \(error)")
        close(context)
    }

    /// Answers every whole command received so far, up to the end of a message, with one write.
    private func answer(_ context: ChannelHandlerContext) {
        var replies: [UInt8] = []
        defer { send(replies, context) }
        do {
            while let command = try parser.nextCommand() {
                switch try session.step(command) {
                case .output(let output):
                    for reply in output.replies { reply.append(to: &replies) }
                    if output.closesConnection {
                        send(replies, context)
                        replies = []
                        close(context)
                        return
                    }
                case .finish(let message, let macros):
                    finish(message, macros: macros, context)
                    return
                }
            }
        } catch {
            logger.error("milter connection from \(peer) closed: protocol error: \(error)")
            send(replies, context)
            replies = []
            close(context)
        }
    }

    private func close(_ context: ChannelHandlerContext) {
        closing = true
        context.close(promise: nil)
    }

    private func finish(_ message: Filter.Message, macros: [String: String], _ context: ChannelHandlerContext) {
        finishing = true
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        progress = loop.scheduleRepeatedTask(initialDelay: progressInterval, delay: progressInterval) { _ in
            bound.value.context.writeAndFlush(bound.value.handler.wrapOutboundOut(ByteBuffer(bytes: MilterReply.progress.frame)),
                                              promise: nil)
        }
        Task(executorPreference: session.executor) {
            let output = await MilterSession<Filter>.finish(message, macros: macros)
            loop.execute {
                let (handler, context) = bound.value
                handler.progress?.cancel()
                handler.progress = nil
                handler.finishing = false
                var replies: [UInt8] = []
                for reply in output.replies { reply.append(to: &replies) }
                handler.send(replies, context)
                if context.channel.isActive { handler.answer(context) }
            }
        }
    }

    private func send(_ replies: [UInt8], _ context: ChannelHandlerContext) {
        guard !replies.isEmpty else { return }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: replies)), promise: nil)
    }
}
