import Runtime

Runtime.unavailable(program: "in.www")
