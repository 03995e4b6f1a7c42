@main def hello(): Unit = println("hello")
