package kz.cvety.edge.hostile;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import kz.cvety.edge.hostile.RawHttp.Request;
import kz.cvety.edge.hostile.RawHttp.Response;

import static kz.cvety.edge.hostile.HostileGateway.CONTROL_PHONE;
import static kz.cvety.edge.hostile.HostileGateway.REQUEST_OTP;
import static kz.cvety.edge.support.ProblemAssert.assertThatProblem;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client whose per-IP send budget is spent cannot buy more by claiming another address: spoofed and
 * rotating {@code X-Forwarded-For}, {@code Forwarded}, {@code X-Real-IP} and the other client-address headers
 * proxies use, with fresh valid phone numbers, all get 429 {@code rate_limited} for {@code send-per-ip}; no
 * SMS goes out and Redis does not change (with no trusted proxy configured the gateway keys on the connection).
 */
class HostileClientAddressIT {

	static final List<String> OPERATORS = List.of("700", "701", "702", "705", "707", "708", "747", "771", "775",
			"776", "777", "778");

	static HostileGateway edge;

	@BeforeContainer
	static void start() {
		edge = HostileGateway.start(Map.of("cvety.otp.limits.send-per-ip", "2/1h"));
		// The control phone's code took the first token; a second phone takes the last one; a third is refused.
		assertThat(edge.http.postJson(REQUEST_OTP, HostileGateway.body("+77015550124")).status()).isEqualTo(200);
		Response refused = edge.http.postJson(REQUEST_OTP, HostileGateway.body("+77015550125"));
		assertThatProblem(refused).as("the third send from 127.0.0.1").hasStatus(429)
			.hasCode("rate_limited");
		edge.resnapshot();
	}

	@AfterContainer
	static void stop() {
		edge.proveUntouchedAndClose(3);
	}

	@Property(tries = 300)
	void spoofedClientAddressHeadersDoNotBuyAnotherSend(@ForAll("phones") String phone,
			@ForAll("spoofedHeaders") List<String[]> headers) {
		Request request = Request.post(REQUEST_OTP).header("Content-Type", "application/json").body(HostileGateway.body(phone));
		headers.forEach(header -> request.header(header[0], header[1]));
		String input = "send to " + phone + " with "
				+ headers.stream().map(h -> h[0] + ": " + h[1]).collect(Collectors.joining(" | "));
		Response answer = edge.http.send(request);
		assertThatProblem(answer).as("%s", input).hasStatus(429).hasCode("rate_limited").hasLimit("send-per-ip")
			.hasRetryAfter();
		edge.assertUnchanged(input);
	}

	@Provide
	Arbitrary<String> phones() {
		Arbitrary<String> fresh = Combinators
			.combine(Arbitraries.of(OPERATORS), Arbitraries.integers().between(0, 9_999_999))
			.as((operator, subscriber) -> String.format("+7%s%07d", operator, subscriber));
		return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, fresh),
				net.jqwik.api.Tuple.of(1, Arbitraries.just(CONTROL_PHONE)));
	}

	@Provide
	Arbitrary<List<String[]>> spoofedHeaders() {
		Arbitrary<String> ipv4 = Arbitraries.integers().between(0, 255).list().ofSize(4)
			.map(octets -> octets.stream().map(String::valueOf).collect(Collectors.joining(".")));
		Arbitrary<String> ipv6 = Arbitraries.integers().between(0, 0xFFFF).list().ofSize(8)
			.map(groups -> groups.stream().map(Integer::toHexString).collect(Collectors.joining(":")));
		Arbitrary<String> special = Arbitraries.of("127.0.0.1", "::1", "0.0.0.0", "10.0.0.1", "192.168.0.1", "unknown",
				"localhost", "", " ", "_hidden", "1.2.3.4:80", "[2001:db8::1]:4711", "999.999.999.999", "a" .repeat(300),
				"127.0.0.1 ", "1.2.3.4\r\nX-Forwarded-For: 5.6.7.8");
		Arbitrary<String> address = Arbitraries.oneOf(ipv4, ipv6, special);
		Arbitrary<String> addressList = address.list().ofMinSize(1).ofMaxSize(40).map(list -> String.join(", ", list));
		Arbitrary<String[]> header = Arbitraries.oneOf(
				addressList.map(v -> new String[] { "X-Forwarded-For", v }),
				address.map(v -> new String[] { "Forwarded", "for=\"" + v + "\";proto=https;by=10.0.0.1" }),
				address.map(v -> new String[] { "Forwarded", "for=" + v + ", for=" + v }),
				address.map(v -> new String[] { "X-Real-IP", v }),
				Combinators.combine(Arbitraries.of("True-Client-IP", "CF-Connecting-IP", "X-Client-IP",
						"X-Cluster-Client-IP", "Fastly-Client-IP", "X-Originating-IP", "Client-IP", "X-Forwarded",
						"Forwarded-For", "X-Forwarded-Host", "X-Remote-Addr", "Via"), address)
					.as((name, v) -> new String[] { name, v }));
		return header.list().ofMinSize(1).ofMaxSize(5)
			// A raw CR LF inside a value would end the header block early: that is a request-smuggling test, not this one.
			.map(list -> list.stream()
				.map(h -> new String[] { h[0], h[1].replace("\r\n", " ") })
				.toList());
	}

}
