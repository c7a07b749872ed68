-- The task slots a machine has taken (its assigned, running and suspended tasks), counted with a snapshot of the
-- function's own: PostgreSQL takes a fresh snapshot for each query of a VOLATILE function (READ COMMITTED), so a
-- statement that has just locked the machine's row sees every assignment committed before its lock, not only those
-- its own snapshot (taken when it started) saw. The one statement that creates a task and assigns it to a free
-- machine (modules/tasks/execution.ts) counts the slots of the machine it locked with it: an assignment another
-- transaction committed between the statement's start and its lock changes no host row (nothing to re-check).
CREATE OR REPLACE FUNCTION edge_task_slots_used(machine text) RETURNS integer LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  RETURN (SELECT count(*)::integer FROM tasks t WHERE t.assigned_host_id = machine
    AND t.status IN ('assigned', 'running', 'suspended'));
END
$fn$;
