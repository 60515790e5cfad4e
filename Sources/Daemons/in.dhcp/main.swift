import Runtime

Runtime.unavailable(program: "in.dhcp")
