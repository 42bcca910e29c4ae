package kz.cvety.otp.ratelimit;

import java.time.Duration;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LimitTest {

	@ParameterizedTest
	@CsvSource({ "10/1m, 10, PT1M", "30/1h, 30, PT1H", "1000/1d, 1000, PT24H", "5/30s, 5, PT30S",
			"2/500ms, 2, PT0.5S", "' 7 / 2M ', 7, PT2M" })
	void parsesCountSlashDuration(String text, long count, Duration period) {
		Limit limit = Limit.valueOf(text);
		assertThat(limit.count()).isEqualTo(count);
		assertThat(limit.period()).isEqualTo(period);
	}

	@ParameterizedTest
	@ValueSource(strings = { "10/1m", "30/1h", "1000/1d", "5/30s", "2/500ms", "3/90s" })
	void printsWhatItParses(String text) {
		assertThat(Limit.valueOf(text)).hasToString(text);
		assertThat(Limit.valueOf(Limit.valueOf(text).toString())).isEqualTo(Limit.valueOf(text));
	}

	@ParameterizedTest
	@ValueSource(strings = { "", "10", "10/", "/1m", "10/1", "10/xyz", "0/1m", "10/0s", "-1/1m", "10/1w", "ten/1m",
			"10/1m/2", "9999999999/1m" })
	void refusesAnythingElseWithAMessageShowingTheSyntax(String text) {
		assertThatIllegalArgumentException().isThrownBy(() -> Limit.valueOf(text))
			.withMessageContaining("limit");
	}

}
