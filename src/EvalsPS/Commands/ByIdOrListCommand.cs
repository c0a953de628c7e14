namespace EvalsPS.Commands
{
    /// <summary>
    /// What the Get cmdlets share (Get-Eval, Get-EvalRun, Get-EvalRunOutputItem): the ById set gets each id given,
    /// in order; the List set, their default, lists every object page by page. The parameter set picks which.
    /// </summary>
    public abstract class ByIdOrListCommand : EvalsCmdlet
    {
        private protected const string ListSet = "List";
        private protected const string ByIdSet = "ById";

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByIdSet) GetById();
            else List();
        }

        /// <summary>Gets each id of the ById set (through EachId, after refusing the paging parameters).</summary>
        private protected abstract void GetById();

        /// <summary>Lists every object, page by page (through PagedListing).</summary>
        private protected abstract void List();
    }
}
