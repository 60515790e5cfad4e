Runtime.unavailable(program: "in.dhcp")
