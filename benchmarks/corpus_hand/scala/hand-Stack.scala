package collections

class Stack[A] private (private val items: List[A]) {
  def push(a: A): Stack[A] = new Stack(a :: items)
  def pop: Option[(A, Stack[A])] = items match {
    case head :: tail => Some((head, new Stack(tail)))
    case Nil          => None
  }
  def isEmpty: Boolean = items.isEmpty
  def size: Int = items.length
  override def toString: String = items.mkString("Stack(", ", ", ")")
}

object Stack {
  def empty[A]: Stack[A] = new Stack(Nil)
  def apply[A](xs: A*): Stack[A] = xs.foldLeft(empty[A])(_ push _)
}

object StackDemo {
  def main(args: Array[String]): Unit = {
    var s = Stack(1, 2, 3)
    while (!s.isEmpty) {
      s.pop.foreach { case (top, rest) =>
        println(top)
        s = rest
      }
    }
  }
}
