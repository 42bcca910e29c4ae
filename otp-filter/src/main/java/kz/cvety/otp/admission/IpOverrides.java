package kz.cvety.otp.admission;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;
import org.jspecify.annotations.Nullable;

import kz.cvety.otp.ratelimit.Limit;
import kz.cvety.otp.ratelimit.NamedLimit;
import kz.cvety.otp.ratelimit.Refill;
import kz.cvety.otp.ratelimit.SyncBound;
import kz.cvety.otp.support.InvalidSettingException;

/**
 * Networks whose client addresses have per-IP limits of their own, most specific first, so the longest
 * matching prefix wins. Subnet matching is Netty's {@link IpSubnetFilterRule} (IPv4 and IPv6); addresses are
 * parsed as literals only, never looked up.
 */
public final class IpOverrides {

	/** No overrides. */
	public static final IpOverrides NONE = new IpOverrides(List.of());

	private final List<Network> networks;

	private IpOverrides(List<Network> networks) {
		this.networks = networks;
	}

	/**
	 * Parses and checks the configured networks.
	 * @throws InvalidSettingException naming the entry when a network is not CIDR notation or is listed twice
	 */
	static IpOverrides from(List<OtpLimitsProperties.IpOverride> overrides, Refill refill, SyncBound sendBound) {
		List<Network> networks = new ArrayList<>();
		Set<String> seen = new HashSet<>();
		for (int i = 0; i < overrides.size(); i++) {
			OtpLimitsProperties.IpOverride override = overrides.get(i);
			String key = OtpLimitsProperties.PREFIX + ".ip-overrides[" + i + "].network";
			Network network = Network.parse(key, override.getNetwork());
			if (!seen.add(network.cidr())) {
				throw new InvalidSettingException(key, network.cidr() + " is listed twice");
			}
			NamedLimit send = policy(OtpLimits.SEND_PER_IP, override.getSendPerIp(), refill);
			String sendKey = OtpLimitsProperties.PREFIX + ".ip-overrides[" + i + "].send-per-ip";
			networks.add(network.withLimits((send != null) ? OtpLimits.synced(send, sendBound, sendKey) : null,
					policy(OtpLimits.VERIFY_FAILURES_PER_IP, override.getVerifyFailuresPerIp(), refill),
					override.getSendPerIp() != null, override.getVerifyFailuresPerIp() != null));
		}
		networks.sort(Comparator.comparingInt(Network::prefixLength).reversed());
		return new IpOverrides(List.copyOf(networks));
	}

	private static @Nullable NamedLimit policy(String name, @Nullable List<Limit> limits,
			Refill refill) {
		return (limits == null || limits.isEmpty()) ? null : new NamedLimit(name, limits, refill);
	}

	/** The most specific network holding {@code address}, or null when none does or it is no IP literal. */
	public @Nullable Network find(String address) {
		if (this.networks.isEmpty()) {
			return null;
		}
		InetAddress parsed = NetUtil.createInetAddressFromIpAddressString(address);
		if (parsed == null) {
			return null;
		}
		InetSocketAddress socket = new InetSocketAddress(parsed, 0);
		for (Network network : this.networks) {
			if (network.rule().matches(socket)) {
				return network;
			}
		}
		return null;
	}

	// Equal settings give equal overrides, so a refresh that changes nothing keeps the live bucket proxies.
	@Override
	public boolean equals(Object other) {
		return other instanceof IpOverrides overrides && signature().equals(overrides.signature());
	}

	@Override
	public int hashCode() {
		return signature().hashCode();
	}

	private List<List<Object>> signature() {
		return this.networks.stream()
			.map(network -> Arrays.asList(network.cidr(), network.sendPerIp(), network.verifyFailuresPerIp(),
					network.overridesSend(), network.overridesVerify()))
			.toList();
	}

	/** The networks, most specific first. */
	public List<Network> networks() {
		return this.networks;
	}

	/**
	 * One network and its per-IP limits.
	 *
	 * @param cidr the network as configured, normalized ({@code 203.0.113.0/24})
	 * @param prefixLength its prefix length
	 * @param rule Netty's matcher for it
	 * @param sendPerIp its send limit; null with {@code overridesSend} exempts it
	 * @param verifyFailuresPerIp its failed-verification budget; null with {@code overridesVerify} exempts it
	 * @param overridesSend whether it has a send limit of its own (else the default applies)
	 * @param overridesVerify whether it has a failed-verification budget of its own (else the default applies)
	 */
	public record Network(String cidr, int prefixLength, IpSubnetFilterRule rule, @Nullable NamedLimit sendPerIp,
			@Nullable NamedLimit verifyFailuresPerIp, boolean overridesSend, boolean overridesVerify) {

		static Network parse(String key, @Nullable String text) {
			String value = (text != null) ? text.trim() : "";
			int slash = value.indexOf('/');
			InetAddress address = (slash > 0) ? NetUtil.createInetAddressFromIpAddressString(value.substring(0, slash))
					: null;
			int prefix = -1;
			if (address != null) {
				try {
					prefix = Integer.parseInt(value.substring(slash + 1));
				}
				catch (NumberFormatException ex) {
					prefix = -1;
				}
			}
			int bits = (address != null) ? address.getAddress().length * 8 : 0;
			if (address == null || prefix < 0 || prefix > bits) {
				throw new InvalidSettingException(key,
						"'" + value + "' is not a network in CIDR notation such as 203.0.113.0/24 or 2001:db8::/48");
			}
			IpSubnetFilterRule rule = new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT);
			return new Network(NetUtil.toAddressString(address) + "/" + prefix, prefix, rule, null, null, false, false);
		}

		Network withLimits(@Nullable NamedLimit send, @Nullable NamedLimit verify, boolean ownSend,
				boolean ownVerify) {
			return new Network(this.cidr, this.prefixLength, this.rule, send, verify, ownSend, ownVerify);
		}

	}

}
