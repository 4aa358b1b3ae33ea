import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Modal, Skeleton } from "antd";
import { useNavigate } from "react-router-dom";
import { unwrap } from "../../api/client";
import { useApi } from "../../api/ApiProvider";
import { vietnamToday } from "../work/deadline";
import { JobForm, type JobBody } from "./JobForm";
import { jobs } from "./messages";
import { useSingleFlight } from "../../components/singleFlight";

/** The agency's units and people for the pickers (loaded when ``enabled``, kept five minutes). */
export function useParties(enabled: boolean) {
  const api = useApi();
  const units = useQuery({ queryKey: ["units"], queryFn: async () => unwrap(await api.GET("/api/v1/units")),
    enabled, staleTime: 300_000 });
  const people = useQuery({ queryKey: ["people"], queryFn: async () => unwrap(await api.GET("/api/v1/people")),
    enabled, staleTime: 300_000 });
  return { units: units.data ?? [], people: people.data ?? [], loading: units.isLoading || people.isLoading };
}

/**
 * The giao việc dialog: POST /api/v1/workflow/jobs (a sub-job with ``parentId``), then the new job's page.
 * ``today``: Vietnam's date (YYYY-MM-DD) for the deadline the working days give.
 */
export function GiveJobDialog({ open, parentId = "", onClose, today = vietnamToday() }: {
  open: boolean;
  parentId?: string;
  onClose: () => void;
  today?: string;
}) {
  const api = useApi();
  const queries = useQueryClient();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const parties = useParties(open);
  const give = useMutation({
    mutationFn: async (body: JobBody) => unwrap(await api.POST("/api/v1/workflow/jobs", { body })),
    onSuccess: async (job) => {
      await queries.invalidateQueries({ queryKey: ["jobs"] });
      void message.success(jobs.form.done);
      onClose();
      navigate(`/giao-viec/${job.id}`);
    },
  });
  const submit = useSingleFlight(give);
  return (
    <Modal open={open} title={parentId ? jobs.giveSub : jobs.give} footer={null} onCancel={onClose} destroyOnHidden
      width={640}>
      {parties.loading ? <Skeleton active /> : (
        <JobForm parentId={parentId} units={parties.units} people={parties.people} today={today}
          pending={give.isPending} error={give.error?.message} onSubmit={(body) => submit(body as JobBody)} />
      )}
    </Modal>
  );
}
