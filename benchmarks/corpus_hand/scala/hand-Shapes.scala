sealed trait Shape {
  def area: Double
}

case class Circle(radius: Double) extends Shape {
  override def area: Double = math.Pi * radius * radius
}

case class Rect(w: Double, h: Double) extends Shape {
  override def area: Double = w * h
}

object Shapes {
  def describe(s: Shape): String = s match {
    case Circle(r) if r > 10 => s"big circle of radius $r"
    case Circle(r)           => s"circle of radius $r"
    case Rect(w, h)          => s"rectangle ${w}x$h"
  }

  def total(shapes: List[Shape]): Double = shapes.map(_.area).sum

  def main(args: Array[String]): Unit = {
    val shapes = List(Circle(1.0), Rect(2, 3), Circle(12))
    shapes.map(describe).foreach(println)
    println(f"total area: ${total(shapes)}%.2f")
  }
}
