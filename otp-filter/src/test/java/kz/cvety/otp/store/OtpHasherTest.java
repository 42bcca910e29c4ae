package kz.cvety.otp.store;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class OtpHasherTest {

	private final OtpHasher hasher = new OtpHasher("hash-secret-for-unit-tests-0123456789abcdef");

	@Test
	void codeHashBindsThePhoneSoACodeForOneNeverMatchesAnother() {
		assertThat(this.hasher.codeHash("+77771234567", "123456"))
			.isNotEqualTo(this.hasher.codeHash("+77771234568", "123456"));
		assertThat(this.hasher.codeHash("+77771234567", "123456"))
			.isEqualTo(this.hasher.codeHash("+77771234567", "123456"))
			.hasSize(64)
			.doesNotContain("123456");
	}

	@Test
	void codeHashDependsOnTheSecret() {
		OtpHasher other = new OtpHasher("another-secret-for-unit-tests-0123456789ab");
		assertThat(other.codeHash("+77771234567", "123456")).isNotEqualTo(this.hasher.codeHash("+77771234567", "123456"));
	}

	@Test
	void keyTagsHideThePhoneAndAreSeparatedFromCodeHashes() {
		String tag = this.hasher.keyTag("+77771234567");
		assertThat(tag).hasSize(24).matches("[0-9a-f]+").doesNotContain("7771234567");
		assertThat(this.hasher.codeHash("+77771234567", "")).doesNotStartWith(tag);
	}

	@Test
	void hashFieldsCannotBeShiftedIntoEachOther() {
		// "phone\0code" framing: moving digits between phone and code gives another hash.
		assertThat(this.hasher.codeHash("+7777123456", "7123456")).isNotEqualTo(this.hasher.codeHash("+77771234567", "123456"));
	}

	@Test
	void refusesSecretsShorterThan32Bytes() {
		assertThatIllegalArgumentException().isThrownBy(() -> new OtpHasher("too-short"))
			.withMessageContaining("cvety.otp.hash-secret");
	}

	@Test
	void comparesHashesWithoutShortcuts() {
		assertThat(OtpHasher.sameHash("abc", "abc")).isTrue();
		assertThat(OtpHasher.sameHash("abc", "abd")).isFalse();
		assertThat(OtpHasher.sameHash("abc", "abcd")).isFalse();
	}

}
