/// DHCP packets written out from the RFC 2131 §2 layout, with the options real clients send.

/// The 236-byte fixed header of a client message (op BOOTREQUEST, Ethernet, hlen 6).
func requestHeader(xid: UInt32, secs: UInt16 = 0, flags: UInt16 = 0, ciaddr: [UInt8] = [0, 0, 0, 0],
                   mac: [UInt8], hlen: UInt8 = 6) -> [UInt8] {
  var bytes: [UInt8] = [1, 1, hlen, 0]
  bytes += [UInt8(xid >> 24), UInt8(xid >> 16 & 0xFF), UInt8(xid >> 8 & 0xFF), UInt8(xid & 0xFF)]
  bytes += [UInt8(secs >> 8), UInt8(secs & 0xFF), UInt8(flags >> 8), UInt8(flags & 0xFF)]
  bytes += ciaddr                      // ciaddr
  bytes += [0, 0, 0, 0]                // yiaddr
  bytes += [0, 0, 0, 0]                // siaddr
  bytes += [0, 0, 0, 0]                // giaddr
  bytes += mac + [UInt8](repeating: 0, count: 16 - mac.count)   // chaddr
  bytes += [UInt8](repeating: 0, count: 64)                      // sname
  bytes += [UInt8](repeating: 0, count: 128)                     // file
  return bytes
}

let magicCookie: [UInt8] = [99, 130, 83, 99]
let udhcpcMAC: [UInt8] = [0x02, 0x42, 0xAC, 0x11, 0x00, 0x02]
let dhclientMAC: [UInt8] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56]

/// A DHCPDISCOVER as busybox udhcpc 1.36 sends it with `-r 192.168.0.101 -x hostname:nas`.
let udhcpcDiscover: [UInt8] =
  requestHeader(xid: 0x3903_F326, mac: udhcpcMAC) + magicCookie + [
    53, 1, 1,                                          // DHCPDISCOVER
    61, 7, 1, 0x02, 0x42, 0xAC, 0x11, 0x00, 0x02,      // client id: htype 1 + MAC
    50, 4, 192, 168, 0, 101,                           // requested address
    12, 3, 0x6E, 0x61, 0x73,                           // hostname "nas"
    57, 2, 0x02, 0x40,                                 // max message size 576
    60, 12] + Array("udhcp 1.36.1".utf8) + [           // vendor class
    55, 7, 1, 3, 6, 12, 15, 28, 42,                    // parameter request list
    255,
  ] + [UInt8](repeating: 0, count: 24)

/// A DHCPREQUEST (SELECTING) as ISC dhclient 4.4 sends it after an offer from 192.168.0.1.
let dhclientRequest: [UInt8] =
  requestHeader(xid: 0x6B8A_0D21, secs: 3, mac: dhclientMAC) + magicCookie + [
    53, 1, 3,                                          // DHCPREQUEST
    54, 4, 192, 168, 0, 1,                             // server identifier
    50, 4, 192, 168, 0, 100,                           // requested address
    12, 6] + Array("laptop".utf8) + [                  // hostname
    55, 13, 1, 28, 2, 3, 15, 6, 119, 12, 44, 47, 26, 121, 42,
    61, 7, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
    57, 2, 0x05, 0xDC,                                 // max message size 1500
    60, 8] + Array("dhclient".utf8) + [
    255,
  ]
