import Runtime

Runtime.unavailable(program: "in.proxy")
