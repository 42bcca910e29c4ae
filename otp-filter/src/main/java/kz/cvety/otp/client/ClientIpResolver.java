package kz.cvety.otp.client;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;

import io.netty.util.NetUtil;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.ConnectionInformation;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

import kz.cvety.otp.support.NativeRequests;

/**
 * What the per-IP limits key on: the connection's peer, or the {@code X-Forwarded-For} entry the outermost of
 * {@code trustedProxyHops} trusted proxies appended. IPv6 clients key on their network prefix, a /64 subnet by
 * default (RFC 4291), since a host may take any address in its subnet.
 */
public final class ClientIpResolver {

	/** Stands for a client whose address is unknown; all such requests share one bucket. */
	public static final String UNKNOWN = "unknown";

	/** The only header read for the client address; {@code Forwarded} and {@code X-Real-IP} never are. */
	public static final String X_FORWARDED_FOR = "X-Forwarded-For";

	private final int trustedProxyHops;

	private final int ipv6PrefixLength;

	/**
	 * Trusts the last {@code trustedProxyHops} entries of {@code X-Forwarded-For} and keys IPv6 clients on their
	 * first {@code ipv6PrefixLength} bits.
	 */
	public ClientIpResolver(int trustedProxyHops, int ipv6PrefixLength) {
		if (trustedProxyHops < 0) {
			throw new IllegalArgumentException("trustedProxyHops must not be negative, was " + trustedProxyHops);
		}
		if (ipv6PrefixLength < 1 || ipv6PrefixLength > 128) {
			throw new IllegalArgumentException("ipv6PrefixLength must be 1 to 128, was " + ipv6PrefixLength);
		}
		this.trustedProxyHops = trustedProxyHops;
		this.ipv6PrefixLength = ipv6PrefixLength;
	}

	/** The client of {@code request}: its address and the key its per-IP buckets use. */
	public ClientIp resolve(ServerHttpRequest request) {
		InetAddress address = clientAddress(request);
		if (address == null) {
			return new ClientIp(UNKNOWN, UNKNOWN);
		}
		byte[] bytes = address.getAddress();
		if (address instanceof Inet4Address) {
			String text = NetUtil.bytesToIpAddress(bytes);
			return new ClientIp(text, text);
		}
		if (isIpv4Mapped(bytes)) {
			String text = NetUtil.bytesToIpAddress(bytes, 12, 4);
			return new ClientIp(text, text);
		}
		return new ClientIp(NetUtil.bytesToIpAddress(bytes), network(bytes, this.ipv6PrefixLength));
	}

	// Hand-written rather than Spring Cloud Gateway's XForwardedRemoteAddressResolver: that one falls back to the
	// request's remote address (which forwarded-header handling may have taken from a client-written header)
	// when X-Forwarded-For comes on several lines, and it does not group IPv6 clients.
	private @Nullable InetAddress clientAddress(ServerHttpRequest request) {
		InetAddress peer = connectionPeer(request);
		if (this.trustedProxyHops == 0) {
			return peer;
		}
		List<String> entries = forwardedFor(request.getHeaders());
		if (entries.isEmpty()) {
			return peer;
		}
		// Fewer entries than hops: every entry was written by a trusted proxy, the leftmost saw the client.
		String entry = entries.get(Math.max(0, entries.size() - this.trustedProxyHops));
		InetAddress forwarded = ipLiteral(entry);
		// A trusted proxy wrote something that is no address ("unknown", an obfuscated name): the request keys
		// on the proxy it came through, so such requests share a bucket instead of each getting a new one.
		return (forwarded != null) ? forwarded : peer;
	}

	/**
	 * The socket peer, read from the Reactor Netty connection so that forwarded-header handling (which rewrites
	 * the request's remote address from client-written headers) cannot change it.
	 */
	static @Nullable InetAddress connectionPeer(ServerHttpRequest request) {
		// Another server, or a request built in a test, has no Reactor Netty connection to ask.
		SocketAddress peer = (NativeRequests.of(request) instanceof ConnectionInformation connection)
				? connection.connectionRemoteAddress() : request.getRemoteAddress();
		return (peer instanceof InetSocketAddress socket) ? socket.getAddress() : null;
	}

	/** The entries of all {@code X-Forwarded-For} lines, joined in order, trimmed; empty entries kept. */
	static List<String> forwardedFor(HttpHeaders headers) {
		List<String> lines = headers.get(X_FORWARDED_FOR);
		List<String> entries = new ArrayList<>();
		if (lines == null) {
			return entries;
		}
		for (String line : lines) {
			for (String entry : line.split(",", -1)) {
				entries.add(entry.trim());
			}
		}
		return entries;
	}

	/** The address an entry names as an IP literal, with an optional port and IPv6 brackets; never a DNS lookup. */
	static @Nullable InetAddress ipLiteral(String entry) {
		String host = entry;
		if (host.startsWith("[")) {
			int end = host.indexOf(']');
			if (end < 0 || !isPortOrNothing(host.substring(end + 1))) {
				return null;
			}
			host = host.substring(1, end);
		}
		else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
			// One colon: IPv4 with a port. Two or more: bare IPv6, which carries a port only in brackets.
			int colon = host.indexOf(':');
			if (!isPortOrNothing(host.substring(colon))) {
				return null;
			}
			host = host.substring(0, colon);
		}
		if (host.indexOf('%') >= 0) {
			return null;
		}
		return NetUtil.createInetAddressFromIpAddressString(host);
	}

	private static boolean isPortOrNothing(String rest) {
		if (rest.isEmpty()) {
			return true;
		}
		if (rest.charAt(0) != ':' || rest.length() < 2 || rest.length() > 6) {
			return false;
		}
		return rest.chars().skip(1).allMatch(c -> c >= '0' && c <= '9');
	}

	private static boolean isIpv4Mapped(byte[] bytes) {
		if (bytes.length != 16 || bytes[10] != (byte) 0xff || bytes[11] != (byte) 0xff) {
			return false;
		}
		for (int i = 0; i < 10; i++) {
			if (bytes[i] != 0) {
				return false;
			}
		}
		return true;
	}

	/** The network of an IPv6 address with its first {@code prefixLength} bits kept, as in 2001:db8:1:2::/64. */
	static String network(byte[] ipv6, int prefixLength) {
		byte[] masked = ipv6.clone();
		for (int i = 0; i < masked.length; i++) {
			int kept = Math.min(8, Math.max(0, prefixLength - 8 * i));
			masked[i] &= (byte) (0xff << (8 - kept));
		}
		return NetUtil.bytesToIpAddress(masked) + "/" + prefixLength;
	}

	/**
	 * One client as the limits see it.
	 *
	 * @param address the client's IP address as text, or {@link #UNKNOWN}
	 * @param limitKey what its per-IP buckets key on: an IPv4 address, an IPv6 network with its prefix length,
	 * or {@link #UNKNOWN}
	 */
	public record ClientIp(String address, String limitKey) {
	}

}
