#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Store
#endif

/// Command-line values turned into store types; a bad one is refused naming what was typed.
func parseHostName(_ text: String) throws(Failure) -> HostName {
  guard let name = HostName(text) else { throw Failure.dataError("'\(text)' is not a valid host name") }
  return name
}

func parseAddress(_ text: String) throws(Failure) -> IPAddress {
  guard let address = IPAddress(text) else { throw Failure.dataError("'\(text)' is not an IPv4 or IPv6 address") }
  return address
}

func parseIPv4Address(_ text: String) throws(Failure) -> IPv4Address {
  guard let address = IPv4Address(text) else { throw Failure.dataError("'\(text)' is not an IPv4 address") }
  return address
}

func parseMACAddress(_ text: String) throws(Failure) -> MACAddress {
  guard let mac = MACAddress(text) else { throw Failure.dataError("'\(text)' is not a MAC address") }
  return mac
}
