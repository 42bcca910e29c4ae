package kz.cvety.otp.web;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * Decodes UTF-8 and nothing else: malformed and overlong sequences are refused, not replaced, since a lenient
 * decoder reads {@code C0 AF} as '/' and {@code C0 B7} as '7'. {@code new String(bytes, UTF_8)} replaces them
 * silently, hence this.
 */
final class StrictUtf8 {

	private StrictUtf8() {
	}

	/** The text of {@code bytes}, or null when they are not well-formed UTF-8. */
	static @Nullable String decode(byte[] bytes) {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

}
