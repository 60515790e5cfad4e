Runtime.unavailable(program: "in.proxy")
