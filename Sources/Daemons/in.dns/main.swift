Runtime.unavailable(program: "in.dns")
