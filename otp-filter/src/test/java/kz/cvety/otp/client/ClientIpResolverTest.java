package kz.cvety.otp.client;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

import io.netty.util.NetUtil;
import org.junit.jupiter.api.Test;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import kz.cvety.otp.testing.NativeServerRequest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

class ClientIpResolverTest {

	private static final String PEER = "192.0.2.10";

	@Test
	void withNoTrustedProxyTheConnectionsPeerIsTheClientWhateverTheHeadersSay() {
		ServerHttpRequest request = request(PEER, "X-Forwarded-For", "203.0.113.1", "X-Forwarded-For", "203.0.113.2",
				"Forwarded", "for=198.51.100.1", "X-Real-IP", "198.51.100.2");

		assertThat(key(0, request)).isEqualTo(PEER);
	}

	@Test
	void withOneTrustedProxyTheRightMostEntryIsTheClient() {
		assertThat(key(1, request(PEER, "X-Forwarded-For", "6.6.6.6, 203.0.113.7"))).isEqualTo("203.0.113.7");
		assertThat(key(1, request(PEER, "X-Forwarded-For", "203.0.113.7"))).isEqualTo("203.0.113.7");
	}

	@Test
	void withTwoTrustedProxiesTheSecondEntryFromTheRightIsTheClient() {
		assertThat(key(2, request(PEER, "X-Forwarded-For", "6.6.6.6, 7.7.7.7 ,203.0.113.7,  10.0.0.1")))
			.isEqualTo("203.0.113.7");
	}

	@Test
	void severalXForwardedForLinesCountAsOneListJoinedInOrder() {
		ServerHttpRequest twoLines = request(PEER, "X-Forwarded-For", "6.6.6.6, 203.0.113.7", "X-Forwarded-For",
				"10.0.0.1");

		assertThat(key(1, twoLines)).isEqualTo("10.0.0.1");
		assertThat(key(2, twoLines)).isEqualTo("203.0.113.7");
		assertThat(key(3, twoLines)).isEqualTo("6.6.6.6");
		assertThat(key(1, request(PEER, "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "203.0.113.7")))
			.isEqualTo("203.0.113.7");
	}

	@Test
	void forwardedAndXRealIpAreNeverRead() {
		assertThat(key(1, request(PEER, "Forwarded", "for=198.51.100.1", "X-Real-IP", "198.51.100.2"))).isEqualTo(PEER);
		assertThat(key(1, request(PEER, "X-Forwarded-For", "203.0.113.7", "Forwarded", "for=198.51.100.1",
				"X-Real-IP", "198.51.100.2")))
			.isEqualTo("203.0.113.7");
	}

	@Test
	void withFewerEntriesThanHopsTheLeftMostEntryIsTheClient() {
		assertThat(key(3, request(PEER, "X-Forwarded-For", "203.0.113.7, 10.0.0.1"))).isEqualTo("203.0.113.7");
		assertThat(key(10, request(PEER, "X-Forwarded-For", "203.0.113.7"))).isEqualTo("203.0.113.7");
	}

	@Test
	void withNoXForwardedForBehindTrustedProxiesThePeerIsTheClient() {
		assertThat(key(1, request(PEER))).isEqualTo(PEER);
	}

	@Test
	void anEntryThatIsNoIpLiteralFallsBackToThePeer() {
		for (String garbage : new String[] { "unknown", "_hidden", "", "localhost", "999.1.1.1", "1.2.3", "1.2.3.4/8",
				"1.2.3.4:http", "1.2.3.4:1234567", "[2001:db8::1", "2001:db8::1]", "fe80::1%eth0", "a".repeat(300) }) {
			assertThat(key(1, request(PEER, "X-Forwarded-For", "203.0.113.7, " + garbage))).as("'%s'", garbage)
				.isEqualTo(PEER);
		}
		assertThat(key(1, request(PEER, "X-Forwarded-For", "203.0.113.7,"))).isEqualTo(PEER);
	}

	@Test
	void aPortAndIpv6BracketsAreStrippedFromAnEntry() {
		assertThat(key(1, request(PEER, "X-Forwarded-For", "203.0.113.7:4711"))).isEqualTo("203.0.113.7");
		assertThat(key(1, request(PEER, "X-Forwarded-For", "[2001:db8:1:2::1]:4711"))).isEqualTo("2001:db8:1:2::/64");
		assertThat(key(1, request(PEER, "X-Forwarded-For", "[2001:db8:1:2::1]"))).isEqualTo("2001:db8:1:2::/64");
		assertThat(key(1, request(PEER, "X-Forwarded-For", "2001:db8:1:2::1"))).isEqualTo("2001:db8:1:2::/64");
	}

	@Test
	void ipv4MappedIpv6IsKeyedAsIpv4() throws Exception {
		byte[] mapped = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 198, 51, 100, 9 };
		ServerHttpRequest fromMappedPeer = MockServerHttpRequest.post("/api/auth/request-otp")
			.remoteAddress(new InetSocketAddress(Inet6Address.getByAddress(null, mapped, -1), 40_000))
			.build();

		assertThat(key(0, fromMappedPeer)).isEqualTo("198.51.100.9");
		assertThat(key(1, request(PEER, "X-Forwarded-For", "::ffff:198.51.100.9"))).isEqualTo("198.51.100.9");
		assertThat(key(1, request(PEER, "X-Forwarded-For", "[::FFFF:c633:6409]:80"))).isEqualTo("198.51.100.9");
	}

	@Test
	void ipv6ClientsShareABucketPerSlash64ByDefault() {
		ClientIpResolver resolver = new ClientIpResolver(0, 64);

		assertThat(resolver.resolve(request("2001:db8:1:2::a")).limitKey()).isEqualTo("2001:db8:1:2::/64");
		assertThat(resolver.resolve(request("2001:db8:1:2:ffff:ffff:ffff:ffff")).limitKey())
			.isEqualTo("2001:db8:1:2::/64");
		assertThat(resolver.resolve(request("2001:db8:1:3::a")).limitKey()).isEqualTo("2001:db8:1:3::/64");
		assertThat(resolver.resolve(request("::1")).limitKey()).isEqualTo("::/64");
	}

	@Test
	void theIpv6PrefixLengthIsConfigurable() {
		ServerHttpRequest request = request("2001:db8:abcd:12ff:1:2:3:4");

		assertThat(new ClientIpResolver(0, 48).resolve(request).limitKey()).isEqualTo("2001:db8:abcd::/48");
		assertThat(new ClientIpResolver(0, 56).resolve(request).limitKey()).isEqualTo("2001:db8:abcd:1200::/56");
		assertThat(new ClientIpResolver(0, 61).resolve(request).limitKey()).isEqualTo("2001:db8:abcd:12f8::/61");
		assertThat(new ClientIpResolver(0, 128).resolve(request).limitKey())
			.isEqualTo("2001:db8:abcd:12ff:1:2:3:4/128");
		assertThat(new ClientIpResolver(0, 1).resolve(request).limitKey()).isEqualTo("::/1");
		assertThat(new ClientIpResolver(0, 1).resolve(request(PEER)).limitKey()).as("IPv4 keeps its address")
			.isEqualTo(PEER);
	}

	@Test
	void theAddressIsTheWholeClientAddressWhileTheKeyIsItsNetwork() {
		ClientIpResolver.ClientIp client = new ClientIpResolver(1, 64)
			.resolve(request(PEER, "X-Forwarded-For", "[2001:DB8:1:2:0:0:0:A]:80"));

		assertThat(client.address()).isEqualTo("2001:db8:1:2::a");
		assertThat(client.limitKey()).isEqualTo("2001:db8:1:2::/64");
	}

	@Test
	void aRequestWithNoPeerAddressIsUnknown() {
		ServerHttpRequest request = MockServerHttpRequest.post("/api/auth/request-otp").build();

		assertThat(new ClientIpResolver(0, 64).resolve(request).limitKey()).isEqualTo(ClientIpResolver.UNKNOWN);
		assertThat(new ClientIpResolver(1, 64).resolve(request).limitKey()).isEqualTo(ClientIpResolver.UNKNOWN);
	}

	@Test
	void onReactorNettyThePeerIsTheConnectionsEvenWhenNativeForwardedHandlingIsOn() {
		assertThat(key(0, new NativeServerRequest(connection(PEER, "203.0.113.7"), xForwardedFor("203.0.113.7"))))
			.isEqualTo(PEER);
	}

	@Test
	void onReactorNettyARemoteAddressRewrittenFromHeadersIsNotThePeer() {
		// As the framework's forwarded-header transformer does: a mutated request with the header's address.
		ServerHttpRequest rewritten = new NativeServerRequest(connection(PEER, PEER), xForwardedFor("203.0.113.7")).mutate()
			.remoteAddress(socket("203.0.113.7"))
			.build();

		assertThat(key(0, rewritten)).isEqualTo(PEER);
		assertThat(key(1, rewritten)).isEqualTo("203.0.113.7");
	}

	/** A Reactor Netty request whose connection is to {@code peer} and whose remote address says {@code remote}. */
	private static HttpServerRequest connection(String peer, String remote) {
		HttpServerRequest connection = mock(HttpServerRequest.class);
		given(connection.connectionRemoteAddress()).willReturn(socket(peer));
		given(connection.remoteAddress()).willReturn(socket(remote));
		return connection;
	}

	private static HttpHeaders xForwardedFor(String value) {
		HttpHeaders headers = new HttpHeaders();
		headers.add("X-Forwarded-For", value);
		return headers;
	}

	private static String key(int hops, ServerHttpRequest request) {
		return new ClientIpResolver(hops, 64).resolve(request).limitKey();
	}

	/** A request from {@code peer} with header lines given as name, value, name, value... */
	private static ServerHttpRequest request(String peer, String... headerLines) {
		MockServerHttpRequest.BaseBuilder<?> builder = MockServerHttpRequest.post("/api/auth/request-otp")
			.remoteAddress(socket(peer));
		for (int i = 0; i < headerLines.length; i += 2) {
			builder.header(headerLines[i], headerLines[i + 1]);
		}
		return builder.build();
	}

	private static InetSocketAddress socket(String ip) {
		return new InetSocketAddress(NetUtil.createInetAddressFromIpAddressString(ip), 40_000);
	}

}
