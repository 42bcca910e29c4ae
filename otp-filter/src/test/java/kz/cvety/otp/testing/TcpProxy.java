package kz.cvety.otp.testing;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * A TCP proxy on a loopback port in front of a real server (Redis, in tests), with faults the test switches on
 * and off while traffic flows: replies delayed, a black hole (connections accepted and held, nothing forwarded,
 * as with a frozen server or a partition), and connections cut before a request reaches the server or after the
 * server ran it but before the reply arrives. Pure Netty on one event loop, so the order of bytes is kept.
 */
public final class TcpProxy implements AutoCloseable {

	private final String targetHost;

	private final int targetPort;

	private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

	private final EventLoop loop = this.group.next();

	private final Channel server;

	private final Set<Link> links = ConcurrentHashMap.newKeySet();

	private final SplittableRandom random;

	private final AtomicLong accepted = new AtomicLong();

	private final AtomicLong cuts = new AtomicLong();

	// Written on the test thread through the event loop, read on the event loop only.
	private long replyLatencyNanos;

	private boolean blackHole;

	private double cutRequests;

	private double cutReplies;

	private TcpProxy(String targetHost, int targetPort, long seed) {
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		this.random = new SplittableRandom(seed);
		this.server = new ServerBootstrap().group(this.group)
			.channel(NioServerSocketChannel.class)
			.childOption(ChannelOption.AUTO_READ, false)
			.childOption(ChannelOption.TCP_NODELAY, true)
			.childHandler(new ChannelInitializer<SocketChannel>() {

				@Override
				protected void initChannel(SocketChannel channel) {
					Link link = new Link(channel);
					channel.pipeline().addLast(link.fromClient());
				}

			})
			.bind("127.0.0.1", 0)
			.syncUninterruptibly()
			.channel();
	}

	/** A pass-through proxy to {@code host:port} on a free loopback port. */
	public static TcpProxy to(String host, int port) {
		return new TcpProxy(host, port, System.nanoTime());
	}

	/** A pass-through proxy whose random cuts follow {@code seed}, to replay a failing run. */
	public static TcpProxy to(String host, int port, long seed) {
		return new TcpProxy(host, port, seed);
	}

	/** The proxy's own port: point the client here. */
	public int port() {
		return ((InetSocketAddress) this.server.localAddress()).getPort();
	}

	/** Delays every chunk the server sends by {@code latency} (requests pass at once; order is kept). */
	public TcpProxy replyLatency(Duration latency) {
		onLoop(() -> this.replyLatencyNanos = latency.toNanos());
		return this;
	}

	/**
	 * Forwards nothing from now on: open connections go quiet in both directions and new ones are accepted and
	 * held. {@link #heal()} lets everything held through, as a frozen server that resumes or a partition that heals.
	 */
	public TcpProxy blackHole() {
		onLoop(() -> {
			this.blackHole = true;
			for (Link link : this.links) {
				link.pause();
			}
		});
		return this;
	}

	/** Closes a connection, instead of forwarding it, for this fraction of client chunks: the server never sees the command. */
	public TcpProxy cutRequests(double probability) {
		onLoop(() -> this.cutRequests = probability);
		return this;
	}

	/**
	 * Closes a connection, instead of forwarding it, for this fraction of server chunks: the server ran the command
	 * but the client never hears the reply.
	 */
	public TcpProxy cutReplies(double probability) {
		onLoop(() -> this.cutReplies = probability);
		return this;
	}

	/** Back to plain pass-through: no latency, no cuts, everything held by a black hole forwarded in order. */
	public TcpProxy heal() {
		onLoop(() -> {
			this.replyLatencyNanos = 0;
			this.cutRequests = 0;
			this.cutReplies = 0;
			this.blackHole = false;
			for (Link link : this.links) {
				link.resume();
			}
		});
		return this;
	}

	/** Closes every open connection at once, both sides. */
	public int cutConnections() {
		List<Link> open = new ArrayList<>(this.links);
		onLoop(() -> open.forEach(Link::cut));
		return open.size();
	}

	/** Connections the proxy has accepted so far. */
	public long connectionsAccepted() {
		return this.accepted.get();
	}

	/** Connections the proxy has cut so far, on purpose. */
	public long cuts() {
		return this.cuts.get();
	}

	@Override
	public void close() {
		this.server.close().syncUninterruptibly();
		this.group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
	}

	private void onLoop(Runnable change) {
		this.loop.submit(change).syncUninterruptibly();
	}

	/** One client connection and its connection to the server; touched on the event loop only. */
	private final class Link {

		private final Channel client;

		private Channel target;

		private boolean connecting;

		private final Deque<Object> heldForTarget = new ArrayDeque<>();

		private final Deque<Object> heldForClient = new ArrayDeque<>();

		private long lastReplyDue;

		Link(Channel client) {
			this.client = client;
		}

		/** Either side of the link closing or failing cuts the whole link. */
		private abstract class EndOfLink extends ChannelInboundHandlerAdapter {

			@Override
			public void channelInactive(ChannelHandlerContext ctx) {
				cut();
			}

			@Override
			public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
				cut();
			}

		}

		ChannelInboundHandlerAdapter fromClient() {
			return new EndOfLink() {

				@Override
				public void channelActive(ChannelHandlerContext ctx) {
					TcpProxy.this.accepted.incrementAndGet();
					TcpProxy.this.links.add(Link.this);
					if (!TcpProxy.this.blackHole) {
						connect();
					}
				}

				@Override
				public void channelRead(ChannelHandlerContext ctx, Object message) {
					if (TcpProxy.this.blackHole || Link.this.target == null) {
						Link.this.heldForTarget.add(message);
						return;
					}
					if (roll(TcpProxy.this.cutRequests)) {
						ReferenceCountUtil.release(message);
						cutOnPurpose();
						return;
					}
					Link.this.target.writeAndFlush(message);
				}

			};
		}

		private ChannelInboundHandlerAdapter fromTarget() {
			return new EndOfLink() {

				@Override
				public void channelRead(ChannelHandlerContext ctx, Object message) {
					if (TcpProxy.this.blackHole) {
						Link.this.heldForClient.add(message);
						return;
					}
					if (roll(TcpProxy.this.cutReplies)) {
						ReferenceCountUtil.release(message);
						cutOnPurpose();
						return;
					}
					reply(message);
				}

			};
		}

		private void connect() {
			if (this.connecting || this.target != null) {
				return;
			}
			this.connecting = true;
			new Bootstrap().group(TcpProxy.this.loop)
				.channel(NioSocketChannel.class)
				.option(ChannelOption.TCP_NODELAY, true)
				.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2000)
				.handler(fromTarget())
				.connect(TcpProxy.this.targetHost, TcpProxy.this.targetPort)
				.addListener((ChannelFutureListener) future -> {
					this.connecting = false;
					if (!future.isSuccess() || !this.client.isActive()) {
						future.channel().close();
						cut();
						return;
					}
					this.target = future.channel();
					if (TcpProxy.this.blackHole) {
						pause();
					}
					else {
						resume();
					}
				});
		}

		private void reply(Object message) {
			long now = System.nanoTime();
			long due = Math.max(now + TcpProxy.this.replyLatencyNanos, this.lastReplyDue);
			if (due <= now) {
				this.client.writeAndFlush(message);
				return;
			}
			// Never before an earlier chunk: a shorter latency set meanwhile must not reorder the stream.
			this.lastReplyDue = due;
			TcpProxy.this.loop.schedule(() -> this.client.writeAndFlush(message), due - now, TimeUnit.NANOSECONDS);
		}

		void pause() {
			this.client.config().setAutoRead(false);
			if (this.target != null) {
				this.target.config().setAutoRead(false);
			}
		}

		void resume() {
			if (this.target == null) {
				connect();
				return;
			}
			while (!this.heldForTarget.isEmpty()) {
				this.target.write(this.heldForTarget.poll());
			}
			this.target.flush();
			while (!this.heldForClient.isEmpty()) {
				reply(this.heldForClient.poll());
			}
			this.client.config().setAutoRead(true);
			this.target.config().setAutoRead(true);
			this.client.read();
			this.target.read();
		}

		private boolean roll(double probability) {
			return probability > 0 && TcpProxy.this.random.nextDouble() < probability;
		}

		private void cutOnPurpose() {
			TcpProxy.this.cuts.incrementAndGet();
			cut();
		}

		void cut() {
			TcpProxy.this.links.remove(this);
			this.heldForTarget.forEach(ReferenceCountUtil::release);
			this.heldForTarget.clear();
			this.heldForClient.forEach(ReferenceCountUtil::release);
			this.heldForClient.clear();
			this.client.close();
			if (this.target != null) {
				this.target.close();
			}
		}

	}

}
