import Runtime

Runtime.unavailable(program: "in.ctcs")
