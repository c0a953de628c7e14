namespace System.Runtime.CompilerServices
{
    /// <summary>
    /// What the compiler needs for a record's init-only properties; netstandard2.0 lacks it, so it is declared here,
    /// internal. Only private records use it (Compare-EvalRun's small data carriers); no public type has an init accessor.
    /// </summary>
    internal static class IsExternalInit
    {
    }
}
