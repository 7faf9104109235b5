package example.app

import scala.concurrent.{ExecutionContext, Future}
import scala.util.{Failure, Success}

object Main extends App {
  implicit val ec: ExecutionContext = ExecutionContext.global

  final case class User(id: Long, name: String, email: Option[String])

  def loadUsers(ids: Seq[Long]): Future[Seq[User]] =
    Future.traverse(ids)(id => Future(User(id, s"user-$id", None)))

  loadUsers(1L to 5L).onComplete {
    case Success(users) => users.foreach(u => println(u.name))
    case Failure(err)   => Console.err.println(s"failed: ${err.getMessage}")
  }
}
