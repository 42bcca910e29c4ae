package kz.cvety.otp.web;

import java.net.URI;

import org.junit.jupiter.api.Test;

import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

class BackendHeadersFilterTest {

	private final BackendHeadersFilter filter = new BackendHeadersFilter(exchange -> "203.0.113.7");

	@Test
	void everySpellingACgiServerReadsAsAnEdgeHeaderIsRemovedAndTheClientAddressIsSetOnce() {
		HttpHeaders sent = new HttpHeaders();
		sent.add("X-Forwarded-For", "6.6.6.6");
		sent.add("x_forwarded_for", "6.6.6.7");
		sent.add("FORWARDED", "for=6.6.6.8");
		sent.add("X-Real-Ip", "6.6.6.9");
		sent.add("X_REAL_IP", "6.6.6.10");
		sent.add("X_Otp_Verification", "forged");
		sent.add("x-otp-verification", "forged");
		sent.add("X_Forwarded_Proto", "gopher");
		sent.add("X-Forwarded-Proto", "https");
		sent.add("Authorization", "Bearer guest");
		sent.add("X_Custom_Header", "kept");

		HttpHeaders forwarded = this.filter.filter(sent, MockServerWebExchange.from(MockServerHttpRequest.get("/")));

		assertThat(forwarded.getValuesAsList("X-Forwarded-For")).containsExactly("203.0.113.7");
		assertThat(forwarded.headerNames()).containsExactlyInAnyOrder("X-Forwarded-For", "X-Forwarded-Proto",
				"Authorization", "X_Custom_Header");
		assertThat(forwarded.getFirst("X-Forwarded-Proto")).isEqualTo("https");
	}

	@Test
	void onlyTheVerificationHeaderAndItsLookAlikesReadAsTheVerificationHeader() {
		assertThat(BackendHeadersFilter.isVerificationHeader("X-Otp-Verification")).isTrue();
		assertThat(BackendHeadersFilter.isVerificationHeader("x_otp_verification")).isTrue();
		assertThat(BackendHeadersFilter.isVerificationHeader("X_Otp-Verification")).isTrue();
		assertThat(BackendHeadersFilter.isVerificationHeader("X-Otp-Verifications")).isFalse();
		assertThat(BackendHeadersFilter.isVerificationHeader("X-Otp.Verification")).isFalse();
	}

	@Test
	void theHandOffTargetKeepsTheQueryAsTheClientSentItAndTheBackendPathPrefix() {
		assertThat(BackendHandoff.target(URI.create("http://backend:8000"), "x=[1]&tags[]=a%20b"))
			.hasToString("http://backend:8000/api/auth/verify-otp?x=[1]&tags[]=a%20b");
		assertThat(BackendHandoff.target(URI.create("http://backend:8000/shop/"), null))
			.hasToString("http://backend:8000/shop/api/auth/verify-otp");
	}

}
