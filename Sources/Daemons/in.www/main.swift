Runtime.unavailable(program: "in.www")
