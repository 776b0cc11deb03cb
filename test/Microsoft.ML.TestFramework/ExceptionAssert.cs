using System.Reflection;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.TestFramework;

/// <summary>Asserts that an action throws a given exception type with a message that says what is wrong.</summary>
public static class ExceptionAssert
{
    /// <summary>
    /// Asserts that <paramref name="action"/> throws exactly <typeparamref name="TException"/> (not a derived type:
    /// <see cref="ArgumentOutOfRangeException"/> must not pass for <see cref="ArgumentException"/>) and that its
    /// message contains every one of <paramref name="messageParts"/> (ordinal, case-insensitive).
    /// </summary>
    /// <returns>The exception, for further checks.</returns>
    public static TException Throws<TException>(Action action, params string[] messageParts) where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(action);
        var thrown = Catch(action);
        Assert.IsNotNull(thrown, $"Expected {typeof(TException).Name}; nothing was thrown.");
        if (thrown.GetType() != typeof(TException))
            Assert.Fail($"Expected {typeof(TException).Name}; got {thrown.GetType().Name}: {thrown.Message}");
        MessageContains(thrown, messageParts);
        return (TException)thrown;
    }

    /// <summary>
    /// Asserts that <paramref name="action"/> throws an exception whose type is one of <paramref name="allowed"/>
    /// (exactly, or derived), with a non-empty message. A <see cref="TargetInvocationException"/> is unwrapped.
    /// </summary>
    /// <returns>The exception.</returns>
    public static Exception ThrowsOneOf(Action action, Type[] allowed, string what)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(allowed);
        var thrown = Catch(action);
        string names = string.Join(" or ", allowed.Select(t => t.Name));
        Assert.IsNotNull(thrown, $"{what}: expected {names}; nothing was thrown.");
        if (!allowed.Any(t => t.IsInstanceOfType(thrown)))
            Assert.Fail($"{what}: expected {names}; got {thrown.GetType().Name}: {thrown.Message}");
        Assert.IsFalse(string.IsNullOrWhiteSpace(thrown.Message), $"{what}: the {thrown.GetType().Name} has no message.");
        return thrown;
    }

    /// <summary>Asserts that the message of <paramref name="exception"/> contains every part (ordinal, case-insensitive).</summary>
    public static void MessageContains(Exception exception, params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(exception);
        foreach (var part in parts)
        {
            if (!exception.Message.Contains(part, StringComparison.OrdinalIgnoreCase))
                Assert.Fail($"The {exception.GetType().Name}'s message should mention \"{part}\": {exception.Message}");
        }
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
        catch (Exception ex)
        {
            while (ex is TargetInvocationException { InnerException: { } inner })
                ex = inner;
            return ex;
        }
    }
}
