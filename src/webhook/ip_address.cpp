#include "webhook/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace postwork::webhook {

IpAddress IpAddress::V4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  IpAddress ip;
  ip.family = IpFamily::kV4;
  ip.bytes[0] = a;
  ip.bytes[1] = b;
  ip.bytes[2] = c;
  ip.bytes[3] = d;
  return ip;
}

IpAddress IpAddress::V6(const std::array<std::uint8_t, 16>& bytes) {
  IpAddress ip;
  ip.family = IpFamily::kV6;
  ip.bytes = bytes;
  return ip;
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  // inet_pton needs a terminated string; addresses are short.
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string copy(text);
  IpAddress ip;
  if (inet_pton(AF_INET, copy.c_str(), ip.bytes.data()) == 1) {
    ip.family = IpFamily::kV4;
    return ip;
  }
  if (inet_pton(AF_INET6, copy.c_str(), ip.bytes.data()) == 1) {
    ip.family = IpFamily::kV6;
    return ip;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::FromSockaddr(const sockaddr* address) {
  if (address == nullptr) return std::nullopt;
  IpAddress ip;
  if (address->sa_family == AF_INET) {
    sockaddr_in v4{};
    std::memcpy(&v4, address, sizeof v4);
    ip.family = IpFamily::kV4;
    std::memcpy(ip.bytes.data(), &v4.sin_addr, 4);
    return ip;
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 v6{};
    std::memcpy(&v6, address, sizeof v6);
    ip.family = IpFamily::kV6;
    std::memcpy(ip.bytes.data(), &v6.sin6_addr, 16);
    return ip;
  }
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  const int af = is_v4() ? AF_INET : AF_INET6;
  if (inet_ntop(af, bytes.data(), buffer, sizeof buffer) == nullptr) return {};
  return buffer;
}

std::string IpAddress::ToUrlHost() const { return is_v4() ? ToString() : "[" + ToString() + "]"; }

namespace {

bool MatchesPrefix(const IpAddress& a, const IpAddress& b, int prefix_length) {
  const int full_bytes = prefix_length / 8;
  const int rest_bits = prefix_length % 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), static_cast<std::size_t>(full_bytes)) != 0) {
    return false;
  }
  if (rest_bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest_bits));
  return (a.bytes[full_bytes] & mask) == (b.bytes[full_bytes] & mask);
}

bool HostBitsZero(const IpAddress& ip, int prefix_length) {
  const int total_bits = static_cast<int>(ip.size()) * 8;
  for (int bit = prefix_length; bit < total_bits; ++bit) {
    if (ip.bytes[bit / 8] & (0x80 >> (bit % 8))) return false;
  }
  return true;
}

}  // namespace

std::optional<Cidr> Cidr::Parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::optional<IpAddress> network = IpAddress::Parse(text.substr(0, slash));
  if (!network) return std::nullopt;
  const int max_prefix = static_cast<int>(network->size()) * 8;
  int prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const std::string_view digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        digits.front() == '-' || prefix > max_prefix) {
      return std::nullopt;
    }
  }
  if (!HostBitsZero(*network, prefix)) return std::nullopt;
  return Cidr{*network, prefix};
}

bool Cidr::Contains(const IpAddress& address) const {
  return address.family == network.family && MatchesPrefix(address, network, prefix_length);
}

std::string Cidr::ToString() const { return network.ToString() + "/" + std::to_string(prefix_length); }

}  // namespace postwork::webhook
