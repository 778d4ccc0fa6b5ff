print("fedbot")
