import Runtime

Runtime.unavailable(program: "in.dns")
