// UserFacingException: the base of every failure whose message is written for the user as it stands
// (bad corpus, damaged checkpoint, a clip policy stopping the run ...). The command line prints its
// message as one line and exits non-zero.
namespace Engine.Training;

/// <summary>A failure whose message is written for the user as it stands.</summary>
/// <param name="message">One line naming what was wrong.</param>
public class UserFacingException(string message) : Exception(message);
