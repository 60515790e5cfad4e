Runtime.unavailable(program: "in.ctcs")
