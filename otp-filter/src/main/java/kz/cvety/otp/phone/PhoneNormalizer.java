package kz.cvety.otp.phone;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

import com.github.benmanes.caffeine.cache.Cache;
import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberFormat;
import com.google.i18n.phonenumbers.PhoneNumberUtil.PhoneNumberType;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;
import org.jspecify.annotations.Nullable;

import kz.cvety.otp.support.LocalCaches;
import kz.cvety.otp.problem.ProblemCode;
import kz.cvety.otp.problem.ProblemException;

/** Normalizes typed phone numbers to E.164 with libphonenumber, refusing anything but plain ASCII phone syntax. */
public final class PhoneNormalizer {

	/** Number types that can receive an SMS code: mobiles, and numbers whose plan cannot tell mobile from fixed. */
	public static final Set<PhoneNumberType> DEFAULT_ALLOWED_TYPES = Collections
		.unmodifiableSet(EnumSet.of(PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE));

	/** Longest accepted input in characters, separators included. */
	public static final int MAX_LENGTH = 32;

	/** Fewest digits accepted, counting a national trunk prefix. */
	public static final int MIN_DIGITS = 7;

	/** Most digits accepted: the E.164 maximum. */
	public static final int MAX_DIGITS = 15;

	private static final String SYNTAX_DETAIL = "A phone number may contain only the digits 0-9, spaces, "
			+ "'-', '(', ')', '.' and one leading '+'.";

	private static final String LENGTH_DETAIL = "A phone number may be at most " + MAX_LENGTH + " characters long.";

	private static final String DIGITS_DETAIL = "A phone number must have between " + MIN_DIGITS + " and " + MAX_DIGITS
			+ " digits.";

	private static final String NOT_VALID_DETAIL = "The phone number is not a valid number.";

	private static final String TYPE_DETAIL = "This type of phone number cannot receive SMS codes; use a mobile number.";

	private final PhoneNumberUtil util = PhoneNumberUtil.getInstance();

	private final String defaultRegion;

	private final Set<String> allowedRegions;

	private final Set<PhoneNumberType> allowedTypes;

	private final String regionDetail;

	// Parsing with libphonenumber is the costliest step of a refusal; a bot repeats the same few spellings, and the
	// answer for a spelling never changes under one normalizer. Only accepted spellings are kept.
	private final Cache<String, String> accepted = LocalCaches.newBuilder().maximumSize(10_000).build();

	/**
	 * @param defaultRegion region assumed for numbers written without a leading {@code +}, such as {@code KZ}
	 * @param allowedRegions regions whose numbers are accepted
	 * @param allowedTypes number types that are accepted, usually {@link #DEFAULT_ALLOWED_TYPES}
	 * @throws IllegalArgumentException if a region is unknown to libphonenumber or a collection is empty
	 */
	public PhoneNormalizer(String defaultRegion, Collection<String> allowedRegions,
			Collection<PhoneNumberType> allowedTypes) {
		Objects.requireNonNull(allowedRegions, "allowedRegions");
		Objects.requireNonNull(allowedTypes, "allowedTypes");
		this.defaultRegion = supportedRegion("cvety.otp.default-region", defaultRegion);
		if (allowedRegions.isEmpty()) {
			throw new IllegalArgumentException("cvety.otp.allowed-regions must name at least one region");
		}
		Set<String> regions = new TreeSet<>();
		for (String region : allowedRegions) {
			regions.add(supportedRegion("cvety.otp.allowed-regions", region));
		}
		this.allowedRegions = Collections.unmodifiableSet(regions);
		Set<PhoneNumberType> types = EnumSet.noneOf(PhoneNumberType.class);
		for (PhoneNumberType type : allowedTypes) {
			types.add(Objects.requireNonNull(type, "allowedTypes must not contain null"));
		}
		if (types.isEmpty()) {
			throw new IllegalArgumentException("Allowed phone number types must name at least one type");
		}
		this.allowedTypes = Collections.unmodifiableSet(types);
		this.regionDetail = "Only phone numbers from " + String.join(", ", regions) + " are accepted.";
	}

	/**
	 * Returns the E.164 form of a phone number as a customer typed it, such as {@code +77771234567} for
	 * {@code 8 777 123 45 67}.
	 * @throws ProblemException {@link ProblemCode#INVALID_PHONE} for malformed input, an invalid number or a
	 * refused number type; {@link ProblemCode#REGION_NOT_ALLOWED} for a valid number from another region
	 */
	public String toE164(@Nullable String raw) {
		// A refused spelling throws out of the cache's loader and is not kept.
		return (raw != null) ? this.accepted.get(raw, this::parse) : parse(null);
	}

	private String parse(@Nullable String raw) {
		// Before parsing: the library would silently fold look-alike digits (full-width, Arabic-Indic) into ASCII.
		checkSyntax(raw);
		PhoneNumber number;
		try {
			number = this.util.parse(raw, this.defaultRegion);
		}
		catch (NumberParseException ex) {
			// The library's message is not part of the client contract; the detail says all a client can act on.
			throw invalid(NOT_VALID_DETAIL);
		}
		if (number.hasExtension()) {
			throw invalid(NOT_VALID_DETAIL);
		}
		// A number is valid exactly when its type is known (isValidNumber is that test for the number's own region),
		// so the type decides validity too and isValidNumber is not called: it would look the region up once more
		// (for +7, Russia's patterns before Kazakhstan's) for every new phone.
		PhoneNumberType type = this.util.getNumberType(number);
		if (type == PhoneNumberType.UNKNOWN) {
			throw invalid(NOT_VALID_DETAIL);
		}
		String region = this.util.getRegionCodeForNumber(number);
		if (region == null || !this.allowedRegions.contains(region)) {
			throw ProblemException.of(ProblemCode.REGION_NOT_ALLOWED, this.regionDetail).build();
		}
		if (!this.allowedTypes.contains(type)) {
			throw invalid(TYPE_DETAIL);
		}
		return this.util.format(number, PhoneNumberFormat.E164);
	}

	/**
	 * An accepted number in E.164 (libphonenumber's example of an allowed type in an allowed region, the default
	 * region first), for exercising the path without a customer's number; null if no region has one.
	 */
	public @Nullable String exampleNumber() {
		List<String> regions = new ArrayList<>();
		if (this.allowedRegions.contains(this.defaultRegion)) {
			regions.add(this.defaultRegion);
		}
		regions.addAll(this.allowedRegions);
		for (String region : regions) {
			for (PhoneNumberType type : this.allowedTypes) {
				PhoneNumber example = this.util.getExampleNumberForType(region, type);
				if (example != null) {
					return this.util.format(example, PhoneNumberFormat.E164);
				}
			}
		}
		return null;
	}

	/** The regions whose numbers are accepted, upper case. */
	public Set<String> allowedRegions() {
		return this.allowedRegions;
	}

	/** The number types that are accepted. */
	public Set<PhoneNumberType> allowedTypes() {
		return this.allowedTypes;
	}

	private static void checkSyntax(@Nullable String raw) {
		if (raw == null) {
			throw invalid(DIGITS_DETAIL);
		}
		if (raw.length() > MAX_LENGTH) {
			throw invalid(LENGTH_DETAIL);
		}
		int digits = 0;
		boolean started = false;
		for (int i = 0; i < raw.length(); i++) {
			char c = raw.charAt(i);
			if (c >= '0' && c <= '9') {
				digits++;
			}
			else if (c == '+') {
				if (started) {
					throw invalid(SYNTAX_DETAIL);
				}
			}
			else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
				throw invalid(SYNTAX_DETAIL);
			}
			started |= (c != ' ');
		}
		if (digits < MIN_DIGITS || digits > MAX_DIGITS) {
			throw invalid(DIGITS_DETAIL);
		}
	}

	private String supportedRegion(String key, @Nullable String region) {
		String upper = (region != null) ? region.strip().toUpperCase(Locale.ROOT) : "";
		if (!this.util.getSupportedRegions().contains(upper)) {
			throw new IllegalArgumentException(key + " must be an ISO 3166-1 alpha-2 region known to libphonenumber, "
					+ "but is '" + region + "'");
		}
		return upper;
	}

	private static ProblemException invalid(String detail) {
		return ProblemException.of(ProblemCode.INVALID_PHONE, detail).build();
	}

}
