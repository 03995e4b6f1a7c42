print("hello from dfopt")
